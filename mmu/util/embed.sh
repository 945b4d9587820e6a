#!/bin/sh
# embed.sh NAME < file > file.c : a C string holding the file, byte for byte.
# Used to compile configs/default.ini into the binary as the embedded default.
echo "/* generated from configs/default.ini by mmu/embed.sh: do not edit */"
echo "const char $1[] ="
od -An -v -tx1 | sed -e 's/ *$//' -e 's/^ */"\\x/' -e 's/ \+/\\x/g' -e 's/$/"/'
echo ";"
