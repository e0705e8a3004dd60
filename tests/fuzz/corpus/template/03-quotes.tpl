CP "a b" 'c d'
CONFIG set host.hostname "x\"y"
RDR tcp ${PORT} 80
