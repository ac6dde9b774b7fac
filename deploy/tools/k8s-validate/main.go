// k8s-validate checks rendered Kubernetes manifests offline, with no cluster and no network:
// every document is decoded strictly into its typed Kubernetes object (the Go types of
// k8s.io/api, the same ones the API server decodes into), so an unknown, misspelt, duplicated
// or mistyped field is an error; then the rules an API server or Helm would enforce at
// install time are checked (names, labels, selectors that match their pods, ports that
// exist, references between the documents, hooks that only use what exists before them).
//
//	helm template ... | k8s-validate [--json] [-]      # or: k8s-validate file.yaml...
//	k8s-validate --yaml-to-json < values.yaml          # plain conversion, no validation
//
// Exit status 0 when every document is valid, 1 otherwise (each problem on stderr, one line).
// With --json the documents are printed on stdout as a JSON array of
// {source, apiVersion, kind, name, namespace, object}, for tests written in other languages.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	asJSON := flag.Bool("json", false, "print the decoded documents as a JSON array on stdout")
	toJSON := flag.Bool("yaml-to-json", false, "only convert one YAML document on stdin to JSON (for tests that read values.yaml)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate [--json] [file.yaml ...]   (no file or '-': standard input)")
		fmt.Fprintln(os.Stderr, "       k8s-validate --yaml-to-json < file.yaml")
	}
	flag.Parse()
	if *toJSON {
		os.Exit(yamlToJSON(os.Stdin, os.Stdout))
	}

	inputs := flag.Args()
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	var docs []*document
	rep := &report{}
	for _, input := range inputs {
		var r io.Reader = os.Stdin
		name := "<stdin>"
		if input != "-" {
			f, err := os.Open(input)
			if err != nil {
				fmt.Fprintf(os.Stderr, "k8s-validate: %v\n", err)
				os.Exit(2)
			}
			defer f.Close()
			r, name = f, input
		}
		docs = append(docs, decodeAll(r, name, rep)...)
	}
	for _, d := range docs {
		validateDocument(d, rep)
	}
	validateReferences(docs, rep)

	if *asJSON {
		printDocuments(docs)
	}
	if status := finish(docs, rep); status != 0 {
		os.Exit(status)
	}
}
