// The problems found, and what is printed at the end: the documents as JSON, the problems, a summary.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

type report struct{ problems []string }

func (r *report) add(where fmt.Stringer, format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf("%s: %s", where, fmt.Sprintf(format, args...)))
}

func (r *report) addList(where fmt.Stringer, errs field.ErrorList) {
	for _, e := range errs {
		r.add(where, "%s", e.Error())
	}
}

type label string

func (l label) String() string { return string(l) }

// printDocuments writes the decoded documents on stdout as a JSON array (an empty one when there are none).
func printDocuments(docs []*document) {
	out := docs
	if out == nil {
		out = []*document{}
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "k8s-validate: %v\n", err)
		os.Exit(2)
	}
}

// finish prints every problem on stderr, one line each, then the summary; it returns the exit status.
func finish(docs []*document, rep *report) int {
	for _, p := range rep.problems {
		fmt.Fprintf(os.Stderr, "k8s-validate: %s\n", p)
	}
	if len(rep.problems) > 0 {
		fmt.Fprintf(os.Stderr, "k8s-validate: %d documents, %d problems\n", len(docs), len(rep.problems))
		return 1
	}
	fmt.Fprintf(os.Stderr, "k8s-validate: %d documents valid\n", len(docs))
	return 0
}
