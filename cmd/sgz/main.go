// Command sgz is the social work station (社工站) pipeline of 晋中市. See
// README.md; cmd/cli holds the commands.
//
// SGZ_CPUPROFILE=FILE writes a CPU profile of the command to FILE (for
// `go tool pprof`; see bench/README.md).
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"sgz/cmd/cli"
)

func main() {
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
