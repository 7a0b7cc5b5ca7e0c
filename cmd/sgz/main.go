// Command sgz is the social work station (社工站) pipeline of 晋中市. See
// README.md; cmd/cli holds the commands.
//
// SGZ_CPUPROFILE=FILE writes a CPU profile of the command to FILE, and
// SGZ_MEMPROFILE=FILE a heap profile of what is live at its end (for
// `go tool pprof`; see bench/README.md).
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"sgz/cmd/cli"
)

func main() {
	if path := os.Getenv("SGZ_MEMPROFILE"); path != "" {
		code := cli.Do(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		runtime.GC()
		f, err := os.Create(path)
		if err == nil {
			err = pprof.Lookup("heap").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "sgz: SGZ_MEMPROFILE: %v\n", err)
			os.Exit(cli.ExitError)
		}
		os.Exit(code)
	}
	if path := os.Getenv("SGZ_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sgz: SGZ_CPUPROFILE: %v\n", err)
			os.Exit(cli.ExitError)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "sgz: SGZ_CPUPROFILE: %v\n", err)
			os.Exit(cli.ExitError)
		}
		code := cli.Do(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(cli.Do(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
