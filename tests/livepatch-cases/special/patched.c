/* Both functions have an exception-table entry (struct exception_table_entry: three 32-bit
 * relative fields, 12 bytes); a livepatch of f must carry f's entry and not g's. */
#define EXTABLE_ENTRY()                                   \
	asm volatile("1: nop\n"                            \
		     ".pushsection __ex_table,\"a\"\n"     \
		     ".balign 4\n"                         \
		     ".long 1b - .\n"                      \
		     ".long 1b - .\n"                      \
		     ".long 0\n"                           \
		     ".popsection\n")

int g(int x)
{
	EXTABLE_ENTRY();
	return x * 3;
}

int f(int x)
{
	EXTABLE_ENTRY();
	return x + 2;
}
