

  # comment
	PKG nginx curl # trailing
LIMITS memory 1G
MOUNT /srv /srv nullfs ro
RDR icmp 1 2
