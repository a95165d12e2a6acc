typedef struct {
    double x;
    double y;
} Point;

static inline double point_dot(Point a, Point b) { return a.x * b.x + a.y * b.y; }
