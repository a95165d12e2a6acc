#define SUB 1
