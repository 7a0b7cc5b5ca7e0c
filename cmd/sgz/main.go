// Command sgz is the social work station (社工站) pipeline of 晋中市. See
// README.md; cmd/cli holds the commands.
package main

import (
	"os"

	"sgz/cmd/cli"
)

func main() { os.Exit(cli.Do(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
