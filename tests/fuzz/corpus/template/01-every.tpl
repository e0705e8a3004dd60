# every directive
ARG GREETING=hello
ARG WHO
ARG PORT=8080
CMD echo "cmd says ${GREETING} ${WHO}" > /tmp/cmd.out; echo $$ >/dev/null
CP files /
CP files/etc/app/app.conf /etc/app.copy
RENDER /etc/app
MOUNT /tmp/ctest/hostshare /mnt/share nullfs ro
LIMITS memory 64M
CONFIG set host.hostname "tpl-${WHO}"
CONFIG allow.raw_sockets=1
INCLUDE inc EXTRA=more
RESTART
CMD cat /mnt/share/s.txt > /tmp/mount.out
