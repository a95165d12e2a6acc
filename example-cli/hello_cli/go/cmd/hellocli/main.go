// hellocli is a small Go program shipped as a Python wheel by pygo-tools: `pip install` it and
// run `hellocli`, `python -m hello_cli`, or hello_cli.run([...]) from Python.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// version is stamped at build time with the package version (-X main.version=...).
var version = "dev"

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	upper := flag.Bool("upper", false, "shout")
	exitCode := flag.Int("exit", 0, "exit with this code (to show exit codes pass through)")
	sleep := flag.Duration("sleep", 0, "wait this long first (to show signals pass through)")
	flag.Parse()
	time.Sleep(*sleep)
	if *showVersion {
		fmt.Printf("hellocli %s %s/%s\n", version, runtime.GOOS, runtime.GOARCH)
		return
	}
	name := "world"
	if flag.NArg() > 0 {
		name = strings.Join(flag.Args(), " ")
	}
	greeting := "Hello, " + name + "!"
	if *upper {
		greeting = strings.ToUpper(greeting)
	}
	fmt.Println(greeting)
	os.Exit(*exitCode)
}
