#define TOP 1
