package permission

import (
	"fmt"
	"reflect"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
)

// celUser is the user variable of a when expression.
type celUser struct {
	Ref       string   `cel:"ref"`
	Ownership []string `cel:"ownership"`
	Admin     bool     `cel:"admin"`
	Service   string   `cel:"service"`
}

// celPermission is the permission variable of a when expression.
type celPermission struct {
	Name         string `cel:"name"`
	Type         string `cel:"type"`
	Action       string `cel:"action"`
	ResourceType string `cel:"resourceType"`
	PluginID     string `cel:"pluginId"`
}

// whenEnv is the CEL environment of a rule's when expression: user (ref,
// ownership, admin, service) and permission (name, type, action,
// resourceType, pluginId), typed, so that a misspelt field is an error
// when the policy loads.
func whenEnv() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(reflect.TypeFor[celUser](), reflect.TypeFor[celPermission](), ext.ParseStructTags(true)),
		cel.Variable("user", cel.ObjectType("permission.celUser")),
		cel.Variable("permission", cel.ObjectType("permission.celPermission")),
	)
}

// whenExpr is a compiled when expression.
type whenExpr struct {
	src string
	prg cel.Program
}

// compileWhen type-checks src, which must be a boolean expression.
func compileWhen(env *cel.Env, src string) (*whenExpr, error) {
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		return nil, iss.Err()
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, fmt.Errorf("expression must be a boolean, not %s", ast.OutputType())
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, err
	}
	return &whenExpr{src: src, prg: prg}, nil
}

// eval runs the expression for one question. A runtime error (an index
// out of range, say) is returned, so a deny rule never silently stops
// matching.
func (w *whenExpr) eval(vars map[string]any) (bool, error) {
	out, _, err := w.prg.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("expression gave %v, not a boolean", out.Value())
	}
	return b, nil
}
