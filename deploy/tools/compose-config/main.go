// Command compose-config loads Compose files the way `docker compose config` does and prints the
// resolved project as JSON: the Compose Specification schema, variable interpolation (including
// `${VAR:?message}` for required variables), merge keys, and the consistency checks (depends_on,
// networks and volumes that exist...).
//
// Why not `docker compose config` itself: the machines that run scripts/check-deploy.sh have the
// docker CLI without the Compose plugin, and the plugin cannot be built with `go install` (its
// go.mod has exclude directives). compose-go is the library the plugin uses for this very step.
//
// Usage: compose-config [-env-file FILE] [-project-directory DIR] COMPOSE_FILE...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	envFile := flag.String("env-file", "", "file with the variables to interpolate (none: no variables are set)")
	projectDir := flag.String("project-directory", "", "directory relative paths resolve against (default: the first file's)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-config [-env-file FILE] [-project-directory DIR] COMPOSE_FILE...")
		os.Exit(2)
	}
	if err := run(*envFile, *projectDir, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "compose-config:", err)
		os.Exit(1)
	}
}

func run(envFile, projectDir string, files []string) error {
	if projectDir == "" {
		projectDir = filepath.Dir(files[0])
	}
	// Only the given env file feeds interpolation: neither the caller's environment nor a stray
	// .env file may make a missing variable look set.
	opts := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(projectDir)}
	if envFile != "" {
		opts = append(opts, cli.WithEnvFiles(envFile), cli.WithDotEnv)
	} else {
		opts = append(opts, cli.WithDiscardEnvFile)
	}
	options, err := cli.NewProjectOptions(files, opts...)
	if err != nil {
		return err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	out, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(out, '\n'))
	return err
}
