package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"socketlab/reference/app/auth"
)

// secretEnv is the environment variable holding the shared secret.
const secretEnv = "SOCKETLAB_JWT_SECRET"

// run is the whole command; it returns the exit status (0 success, 1
// signing failure, 2 usage error).
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: token [-secret S] -user ID -org ID [-role admin|member] [-ttl 1h]\n\n"+
			"Prints an HS256 token for the socketlab reference app. The secret comes\n"+
			"from -secret or, if absent, from $%s.\n\n", secretEnv)
		fs.PrintDefaults()
	}
	secret := fs.String("secret", "", "shared HS256 secret (default $"+secretEnv+")")
	user := fs.String("user", "", "userId claim (required)")
	org := fs.String("org", "", "organizationId claim (required)")
	role := fs.String("role", auth.RoleMember, "role claim: admin or member")
	ttl := fs.Duration("ttl", time.Hour, "lifetime: exp = now + ttl")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "token: "+format+"\n", a...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case *secret == "" && os.Getenv(secretEnv) == "":
		return usage("missing secret: pass -secret or set %s", secretEnv)
	case *user == "":
		return usage("missing -user")
	case *org == "":
		return usage("missing -org")
	case *role != auth.RoleAdmin && *role != auth.RoleMember:
		return usage("bad -role %q: want %q or %q", *role, auth.RoleAdmin, auth.RoleMember)
	case *ttl <= 0:
		return usage("bad -ttl %v: want a positive duration", *ttl)
	}
	if *secret == "" {
		*secret = os.Getenv(secretEnv)
	}
	token, err := auth.Sign([]byte(*secret), auth.NewClaims(*user, *org, *role, *ttl))
	if err != nil {
		fmt.Fprintf(stderr, "token: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, token)
	return 0
}
