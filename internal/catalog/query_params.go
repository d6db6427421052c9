package catalog

import (
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// ParseOrderParams parses the legacy GET /entities order parameters,
// "asc:<field>" or "desc:<field>" (§a.4). It returns nil for no values.
func ParseOrderParams(values []string) ([]Order, error) {
	var orders []Order
	for _, v := range values {
		dir, field, _ := strings.Cut(v, ":")
		// Backstage matches ^(asc|desc):(.+)$, where "." stops at line breaks.
		if (dir != "asc" && dir != "desc") || field == "" || strings.ContainsAny(field, "\n\r\u2028\u2029") {
			return nil, problem.Input("Invalid order parameter \"%s\", expected \"<asc or desc>:<field name>\"", v)
		}
		orders = append(orders, Order{Field: field, Desc: dir == "desc"})
	}
	return orders, nil
}

// ParseOrderFieldParams parses the by-query orderField parameters,
// "<field>[,asc|desc]" (§a.4); a missing order means ascending and parts
// after the second are ignored. It returns nil for no values. By-query
// sorts by the first order only.
func ParseOrderFieldParams(values []string) ([]Order, error) {
	var orders []Order
	for _, v := range values {
		parts := strings.Split(v, ",")
		o := Order{Field: parts[0]}
		if len(parts) > 1 {
			switch parts[1] {
			case "asc":
			case "desc":
				o.Desc = true
			default:
				return nil, problem.Input("Invalid order field order, must be asc or desc")
			}
		}
		orders = append(orders, o)
	}
	return orders, nil
}

// ParseFullTextFields parses fullTextFilterFields: comma-separated,
// trimmed, empty ones dropped. It returns nil for none, which makes the
// query use its default field.
func ParseFullTextFields(values []string) []string {
	var fields []string
	for _, v := range values {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				fields = append(fields, f)
			}
		}
	}
	return fields
}
