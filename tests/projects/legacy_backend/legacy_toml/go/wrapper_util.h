#include <stdlib.h>
#include <ctype.h>

static inline void upper_in_place(char *s) {
    for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}
