/* SPDX-License-Identifier: BSD-2-Clause */
/* Error text for the two Capsicum errno values Linux does not know. */
#include <string.h>
#include <sys/capsicum.h>

const char *capsicum_strerror(int errnum)
{
	switch (errnum) {
	case ECAPMODE:
		return "Not permitted in capability mode";
	case ENOTCAPABLE:
		return "Capabilities insufficient";
	default:
		return strerror(errnum);
	}
}
