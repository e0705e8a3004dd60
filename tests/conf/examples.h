/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The three example configurations of the reference notes (jail.conf(5)'s
 * EXAMPLES, share/examples/jails/jail.xxx.conf, a Bastille VNET jail),
 * rewritten for Linux paths. Shared by the example and apply tests.
 */
#ifndef CELL_TEST_CONF_EXAMPLES_H
#define CELL_TEST_CONF_EXAMPLES_H

/* (a) jail.conf(5) EXAMPLES */
static const char example_a[] =
	"# Typical static defaults:\n"
	"# Use the init scripts to start and stop jails.  Mount jail's /dev.\n"
	"exec.start = \"/bin/sh /etc/init.d/rc 2\";\n"
	"exec.stop = \"/bin/sh /etc/init.d/rc 0\";\n"
	"exec.clean;\n"
	"mount.devfs;\n"
	"\n"
	"# Dynamic wildcard parameter:\n"
	"# Base the path off the jail name.\n"
	"path = \"/srv/jail/$name\";\n"
	"\n"
	"# A typical jail.\n"
	"foo {\n"
	"\thost.hostname = \"foo.com\";\n"
	"\tip4.addr = 10.1.1.1, 10.1.1.2, 10.1.1.3;\n"
	"}\n"
	"\n"
	"# This jail overrides the defaults defined above.\n"
	"bar {\n"
	"\texec.start = '';\n"
	"\texec.stop = '';\n"
	"\tpath = /;\n"
	"\tmount.nodevfs;\n"
	"\tpersist;\t// Required because there are no processes\n"
	"}\n"
	"\n"
	"# Include configurations from standard locations.\n"
	".include \"/etc/jail.conf.d/*.conf\";\n";

/* (b) share/examples/jails/jail.xxx.conf, VNET on a bridge */
static const char example_b[] =
	"xxx {\n"
	"\thost.hostname = \"xxx.yyy\";\n"
	"\tpath = \"/srv/jail/xxx\";\n"
	"\n"
	"\texec.clean;\n"
	"\texec.system_user = \"root\";\n"
	"\texec.jail_user = \"root\";\n"
	"\n"
	"\t# Network\n"
	"\tvnet;\n"
	"\tvnet.interface = \"e0b_xxx\";\n"
	"\texec.prestart += \"jib addm xxx eth0\";\n"
	"\texec.poststop += \"jib destroy xxx\";\n"
	"\n"
	"\t# Standard stuff\n"
	"\texec.start += \"/bin/sh /etc/init.d/rc 2\";\n"
	"\texec.stop = \"/bin/sh /etc/init.d/rc 0\";\n"
	"\texec.consolelog = \"/var/log/jail_xxx_console.log\";\n"
	"\tmount.devfs;\n"
	"}\n";

/* (c) a Bastille VNET jail */
static const char example_c[] =
	"web {\n"
	"  enforce_statfs = 2;\n"
	"  devfs_ruleset = 13;\n"
	"  exec.clean;\n"
	"  exec.consolelog = /var/log/bastille/web/console.log;\n"
	"  exec.start = '/bin/sh /etc/init.d/rc 2';\n"
	"  exec.stop = '/bin/sh /etc/init.d/rc 0';\n"
	"  host.hostname = web;\n"
	"  mount.devfs;\n"
	"  mount.fstab = /var/lib/bastille/jails/web/fstab;\n"
	"  path = /var/lib/bastille/jails/web/root;\n"
	"  securelevel = 2;\n"
	"\n"
	"  vnet;\n"
	"  vnet.interface = e0b_web;\n"
	"  exec.prestart += \"jib addm web eth0\";\n"
	"  exec.prestart += \"ip link set e0a_web alias \\\"vnet0 host "
	"interface for Bastille jail web\\\"\";\n"
	"  exec.poststop += \"ip link delete e0a_web\";\n"
	"}\n";

#endif
