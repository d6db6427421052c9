package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSecretsEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "abcd", false},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := secretsEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("secretsEqual(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

// TestSecretsEqualTakesConstantTime compares a secret with a guess that
// differs in its first byte and with one that differs in its last. An
// early-exit comparison (== or bytes.Equal) answers the first at once and
// the second only after reading everything, a ratio in the thousands for
// 64 KiB; secretsEqual takes the same time for both.
func TestSecretsEqualTakesConstantTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const n = 64 << 10
	secret := strings.Repeat("s", n)
	early := "x" + secret[1:]
	late := secret[:n-1] + "x"
	measure := func(guess string) time.Duration {
		best := time.Duration(1 << 62)
		for range 25 {
			start := time.Now()
			for range 20 {
				if secretsEqual(secret, guess) {
					t.Fatal("a wrong guess matched")
				}
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	e, l := measure(early), measure(late)
	if ratio := float64(l) / float64(e); ratio > 2 || ratio < 0.5 {
		t.Errorf("a late difference takes %v, an early one %v (ratio %.2f): the comparison exits early", l, e, ratio)
	}
}

// secretName matches identifiers that hold secrets or their hashes.
var secretName = regexp.MustCompile(`(?i)(secret|hash|token|nonce|csrf|verifier|binding|password|state)`)

// TestSecretsAreNeverComparedDirectly reads the package's source: a secret
// compared with == or != (or bytes.Equal) would leak, through timing, how
// much of a guess is right. Comparisons with "" or nil (is it set?) are
// fine, as are comparisons with 0; everything else must go through
// secretsEqual or hmac.Equal.
func TestSecretsAreNeverComparedDirectly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BinaryExpr:
				if x.Op != token.EQL && x.Op != token.NEQ {
					return true
				}
				if isEmptyOrNil(x.X) || isEmptyOrNil(x.Y) {
					return true
				}
				if secretOperand(x.X) || secretOperand(x.Y) {
					t.Errorf("%s: secret compared with %s; use secretsEqual", fset.Position(x.Pos()), x.Op)
				}
			case *ast.CallExpr:
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Equal" {
					if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "bytes" || pkg.Name == "strings") {
						if slices.ContainsFunc(x.Args, secretOperand) {
							t.Errorf("%s: secret compared with %s.Equal; use secretsEqual", fset.Position(x.Pos()), pkg.Name)
						}
					}
				}
			}
			return true
		})
	}
}

// secretOperand reports whether an expression names a secret: an
// identifier or field whose name says so. Constants such as typUser or
// header names are not secrets.
func secretOperand(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return secretName.MatchString(x.Name) && x.Obj != nil && x.Obj.Kind == ast.Var
	case *ast.SelectorExpr:
		return secretName.MatchString(x.Sel.Name)
	case *ast.CallExpr:
		// hashSecret(x) == y
		if id, ok := x.Fun.(*ast.Ident); ok {
			return secretName.MatchString(id.Name)
		}
	}
	return false
}

func isEmptyOrNil(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return x.Value == `""` || x.Value == "0"
	case *ast.Ident:
		return x.Name == "nil"
	}
	return false
}

// TestSecretCheckFindsDirectComparisons makes sure the source check above
// can fail: it flags a direct comparison written on purpose.
func TestSecretCheckFindsDirectComparisons(t *testing.T) {
	src := `package p
func f(sess struct{ SecretHash string }, secret, csrfToken, other string) bool {
	return hashSecret(secret) == sess.SecretHash || csrfToken != other || other == ""
}
func hashSecret(s string) string { return s }`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var found int
	ast.Inspect(f, func(n ast.Node) bool {
		if x, ok := n.(*ast.BinaryExpr); ok && (x.Op == token.EQL || x.Op == token.NEQ) &&
			!isEmptyOrNil(x.X) && !isEmptyOrNil(x.Y) && (secretOperand(x.X) || secretOperand(x.Y)) {
			found++
		}
		return true
	})
	if found != 2 {
		t.Errorf("found %d direct comparisons of secrets, want 2", found)
	}
}

func TestStaticTokensAreAllCompared(t *testing.T) {
	// verifyStatic finds a match wherever it is in the list, and compares
	// with every entry whatever the input.
	ea := &externalAccess{}
	for _, tok := range []string{"first-token-aaaa", "second-token-bbb", "third-token-cccc"} {
		ea.static = append(ea.static, staticAccess{token: tok, subject: tok[:5]})
	}
	for _, tok := range []string{"first-token-aaaa", "third-token-cccc"} {
		if id := ea.verifyStatic(tok); id == nil || id.Subject != "external:"+tok[:5] {
			t.Errorf("%s: %+v", tok, id)
		}
	}
	if id := ea.verifyStatic("first-token-aaab"); id != nil {
		t.Errorf("near miss matched: %+v", id)
	}
}
