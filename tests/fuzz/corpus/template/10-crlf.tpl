CMD
CP a
