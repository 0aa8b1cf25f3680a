/* A COMDAT section group: the linker keeps one copy among all objects that define it, so a
 * change to one object's copy cannot be carried by a livepatch of that object. */
asm(".section .data.shared_table,\"awG\",@progbits,shared_table,comdat\n"
    ".globl shared_table\n"
    ".type shared_table, @object\n"
    ".size shared_table, 4\n"
    "shared_table:\n"
    ".long 1\n"
    ".previous\n");

int f(int x) { return x + 1; }
