// Command gen writes the generated parts of docs/ (go generate ./scenarios).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/breachdrill/breachdrill/internal/docgen"
)

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	written, err := docgen.Write(*root)
	for _, p := range written {
		fmt.Println("wrote", p)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}
