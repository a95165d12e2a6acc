// benchcli is the "Go executable run per call with subprocess" alternative: the same three
// operations, chosen by the first argument.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	switch os.Args[1] {
	case "noop":
	case "add":
		a, _ := strconv.Atoi(os.Args[2])
		b, _ := strconv.Atoi(os.Args[3])
		fmt.Print(a + b)
	case "echo":
		fmt.Print(os.Args[2])
	}
}
