# SPDX-License-Identifier: BSD-2-Clause
# bash completion for cell(8), and cell's jail(8), jls(8) and jexec(8).
# Installed as .../bash-completion/completions/cell, with jail, jls and
# jexec as links to it (bash-completion loads a file by the command's name).

# jail parameter names: cell-params(7) (the mgr-docs test keeps them equal)
_cell_params="
	jid name parent path host host.hostname host.domainname
	host.hostuuid host.hostid vnet ip4 ip4.addr ip4.saddrsel ip6
	ip6.addr ip6.saddrsel interface vnet.interface vnet.bridge
	vnet.firewall vnet.nat vnet.rdr vnet.mtu vnet.defaultrouter
	vnet.ipv6_defaultrouter sysvmsg sysvsem sysvshm enforce_statfs
	securelevel devfs_ruleset children.max children.cur persist
	allow.set_hostname allow.sysvipc allow.raw_sockets allow.chflags
	allow.mount allow.mount.devfs allow.mount.fdescfs
	allow.mount.fusefs allow.mount.nullfs allow.mount.procfs
	allow.mount.linprocfs allow.mount.linsysfs allow.mount.tmpfs
	allow.mount.zfs allow.quotas allow.socket_af allow.mlock
	allow.read_msgbuf allow.reserved_ports
	allow.unprivileged_proc_debug allow.unprivileged_parent_tampering
	allow.suser allow.extattr allow.adjtime allow.settime
	allow.routing allow.setaudit allow.nfsd allow.vmm allow.dying
	cell.netns cell.ipcns cell.utsns cell.sysctl cell.masked_paths
	cell.devices cell.readonly_paths cell.cgroup cell.root_readonly
	cell.abstract_unix_scope cell.vnet_admin cell.timens
	cell.timens.monotonic cell.timens.boottime cell.personality
	cell.uidmap cell.gidmap exec.jail_user
	exec.system_jail_user exec.system_user exec.clean command
	exec.prepare exec.prestart exec.created exec.start exec.poststart
	exec.prestop exec.stop exec.poststop exec.release exec.timeout
	stop.timeout exec.consolelog exec.fib mount mount.fstab
	mount.devfs mount.fdescfs mount.procfs depend ip_hostname meta
	env osrelease osreldate cpuset.id linux linux.osname
	linux.osrelease linux.oss_version zfs.dataset zfs.mount_snapshot
	mac.label allow.mount.nullfs.bind"

_cell_subcommands="jail jls jexec setup bootstrap create start stop restart
	boot cmd console list destroy snapshot rollback clone rename export
	import limits template rdr cp rcp audit"

# the manager's home from -d on the line, else $CELL_HOME, else the default
_cell_home() {
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		if [[ ${COMP_WORDS[i]} == -d ]]; then
			echo "${COMP_WORDS[i + 1]}"
			return
		fi
	done
	echo "${CELL_HOME:-/var/lib/cell}"
}

# the data directory: HOME/pool when setup made a btrfs image there
_cell_data() {
	local h
	h=$(_cell_home)
	local pool
	pool=$(sed -n 's/^pool=//p' "$h/setup.conf" 2>/dev/null)
	echo "${pool:-$h}"
}

_cell_ls() { # _cell_ls SUBDIR: names under DATA/SUBDIR
	local d
	d=$(_cell_data)/$1
	[[ -d $d ]] && command ls -1 "$d" 2>/dev/null | grep -v '^\.'
}

_cell_jails() { _cell_ls jails; }

_cell_targets() { # jail names, their tags, ALL
	local d j
	d=$(_cell_data)/jails
	_cell_jails
	echo ALL
	for j in $(_cell_jails); do
		sed -n 's/.*meta\.cell\.tags = "\(.*\)";/\1/p' \
			"$d/$j/jail.conf" 2>/dev/null | tr ',' '\n'
	done
}

# running jails' names (jls), for jail -r/-m and jexec
_cell_running() {
	jls -n name 2>/dev/null | sed -n 's/^name=//p'
}

_cell() {
	local cur prev sub i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	# the subcommand: the first word that is not a global option
	local si=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-d) ((i++)) ;;
		-*) ;;
		*) si=$i; break ;;
		esac
	done
	if ((si == 0)); then
		if [[ $prev == -d ]]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-d -j -q -h --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_cell_subcommands" -- "$cur"))
		fi
		return
	fi
	sub=${COMP_WORDS[si]}
	local n=$((COMP_CWORD - si))   # operand position, options included
	case $sub in
	jail | jls | jexec)
		COMP_WORDS=("${COMP_WORDS[@]:si}")
		COMP_CWORD=$((COMP_CWORD - si))
		"_cell_$sub"
		return ;;
	setup)
		case $prev in
		-s) COMPREPLY=($(compgen -W "btrfs overlay dir" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "-s --size --teardown --help" -- "$cur")) ;;
		esac ;;
	bootstrap)
		case $prev in
		--tar | --busybox) COMPREPLY=($(compgen -f -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "busybox --tar --busybox --help" -- "$cur")) ;;
		esac ;;
	create)
		case $prev in
		-B) COMPREPLY=($(compgen -W "$(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}')" -- "$cur")) ;;
		-V) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")) ;;
		--depend) COMPREPLY=($(compgen -W "$(_cell_jails)" -- "$cur")) ;;
		-p | --tags) ;;
		*)
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "-T -B -V --nat --no-boot -p --tags --depend --help" -- "$cur"))
			else
				# NAME, then RELEASE
				local ops=0
				for ((i = si + 1; i < COMP_CWORD; i++)); do
					case ${COMP_WORDS[i]} in
					-B | -V | -p | --tags | --depend) ((i++)) ;;
					-*) ;;
					*) ((ops++)) ;;
					esac
				done
				((ops == 1)) && COMPREPLY=($(compgen -W "$(_cell_ls releases)" -- "$cur"))
			fi ;;
		esac ;;
	start | stop | restart | cmd | limits | template | rdr)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "$(_cell_targets)" -- "$cur"))
		elif [[ $sub == limits ]]; then
			case $n in
			2) COMPREPLY=($(compgen -W "add remove clear show" -- "$cur")) ;;
			3) [[ $prev == add || $prev == remove ]] &&
				COMPREPLY=($(compgen -W "memory pids maxproc cpu.weight cpu.shares cpu.quota io.read_bps io.write_bps io.read_iops io.write_iops" -- "$cur")) ;;
			esac
		elif [[ $sub == rdr ]]; then
			((n == 2)) && COMPREPLY=($(compgen -W "tcp udp list clear" -- "$cur"))
		elif [[ $sub == template ]]; then
			if [[ $prev == --arg ]]; then
				:
			elif [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "--arg --help" -- "$cur"))
			else
				COMPREPLY=($(compgen -d -- "$cur"))
			fi
		elif [[ $sub == cmd ]]; then
			COMPREPLY=($(compgen -c -- "$cur"))
		fi ;;
	console)
		((n == 1)) && COMPREPLY=($(compgen -W "$(_cell_jails)" -- "$cur")) ;;
	destroy)
		if [[ $prev == -r ]]; then
			COMPREPLY=($(compgen -W "$(_cell_ls releases)" -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-f -r --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_cell_jails)" -- "$cur"))
		fi ;;
	snapshot | rollback)
		if [[ $cur == -* ]]; then
			[[ $sub == snapshot ]] && COMPREPLY=($(compgen -W "-d --help" -- "$cur"))
		elif ((n == 1)) || [[ $prev == -d ]]; then
			COMPREPLY=($(compgen -W "$(_cell_jails)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_cell_ls "snapshots/$prev")" -- "$cur"))
		fi ;;
	clone | rename | export)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "$(_cell_jails)" -- "$cur"))
		elif [[ $sub == export ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		fi ;;
	import)
		((n == 1)) && COMPREPLY=($(compgen -f -X '!*.tar.zst' -- "$cur") $(compgen -d -- "$cur")) ;;
	cp)
		case $n in
		1) COMPREPLY=($(compgen -W "$(_cell_jails)" -- "$cur")) ;;
		2) COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac ;;
	rcp)
		case $n in
		1) COMPREPLY=($(compgen -W "$(_cell_jails)" -- "$cur")) ;;
		3) COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac ;;
	audit)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-j -v -r --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_cell_running)" -- "$cur"))
		fi ;;
	esac
}

_cell_jail() {
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	-f) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-J) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-u | -U) COMPREPLY=($(compgen -u -- "$cur")); return ;;
	-p) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-c -m -r -cm -rc -d -e -f -h -i -J -l -p -q -u -U -v" -- "$cur"))
		return
	fi
	local w removing=0
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		[[ $w == -r* || $w == -*r ]] && removing=1
	done
	if ((removing)); then
		COMPREPLY=($(compgen -W "$(_cell_running) '*'" -- "$cur"))
	elif [[ $cur == *=* ]]; then
		if [[ ${cur%%=*} == path ]]; then
			local v=${cur#*=}
			COMPREPLY=($(compgen -d -P "path=" -- "$v"))
		fi
	else
		compopt -o nospace 2>/dev/null
		COMPREPLY=($(compgen -W "$(printf '%s= ' $_cell_params) command=" -- "$cur"))
	fi
}

_cell_jls() {
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	if [[ $prev == -j ]]; then
		COMPREPLY=($(compgen -W "$(_cell_running)" -- "$cur"))
	elif [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-d -h -N -n -q -s -v -j" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$_cell_params" -- "$cur"))
	fi
}

_cell_jexec() {
	local cur prev i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	-u | -U) COMPREPLY=($(compgen -u -- "$cur")); return ;;
	-d) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	-e) return ;;
	esac
	# the jail is the first operand; after it, a command
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-u | -U | -d | -e) ((i++)) ;;
		-*) ;;
		*) COMPREPLY=($(compgen -c -- "$cur")); return ;;
		esac
	done
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-l -d -e -u -U -h" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$(_cell_running)" -- "$cur"))
	fi
}

complete -F _cell cell
complete -F _cell_jail jail
complete -F _cell_jls jls
complete -F _cell_jexec jexec
