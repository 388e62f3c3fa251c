version=2
# liblognorm v2 rulebase for the benchmark peer: anything up to "IN=" as the prefix, then
# the v2-iptables field parser (the way liblognorm's own tests use it).
rule=:%prefix:string-to:IN=%%fw:v2-iptables%
rule=:%fw:v2-iptables%
