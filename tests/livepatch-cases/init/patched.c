int v;
__attribute__((section(".init.text"))) void setup(void) { v = 2; }
