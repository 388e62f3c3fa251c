"""What the page tests share: the pixels of the PNG headless Chromium writes."""
import struct, zlib


def png(path):
    """width, height and RGB rows of an 8-bit RGB/RGBA PNG (what Chromium writes)"""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    width, height, depth, ctype = hdr[0], hdr[1], hdr[2], hdr[3]
    bpp = {2: 3, 6: 4}[ctype]
    raw, rows, prev, i = zlib.decompress(idat), [], bytearray(width * bpp), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + width * bpp]); i += 1 + width * bpp
        for x in range(len(line)):
            a = line[x - bpp] if x >= bpp else 0
            b_, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b_) & 255
            elif f == 3: line[x] = (line[x] + (a + b_) // 2) & 255
            elif f == 4:
                p = a + b_ - c; pa, pb, pc = abs(p - a), abs(p - b_), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b_ if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return width, height, bpp, rows


def look(path):
    """(inked share, colours) of a PNG, every other pixel of every other row"""
    width, height, bpp, rows = png(path)
    px, ink = set(), 0
    for r in rows[::2]:
        for x in range(0, len(r), bpp * 2):
            c = tuple(r[x:x + 3])
            px.add(c)
            ink += c != (255, 255, 255)
    return ink / max(1, len(rows[::2]) * (width // 2)), px
