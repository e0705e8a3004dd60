INCLUDE ../x N=1 bad
