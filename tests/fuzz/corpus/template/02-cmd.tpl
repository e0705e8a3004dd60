ARG X
CMD echo ${X} $HOME ${UNSET} $$
