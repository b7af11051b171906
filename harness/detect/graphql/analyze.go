package graphql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/breachdrill/breachdrill/internal/clip"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits bound what one request can cost the analysis, whatever an
// attacker sends: the body is cut, the lexer stops counting tokens, and the
// walk stops at a depth and a number of visited selections (which also
// stops fragments that expand each other exponentially).
type Limits struct {
	MaxBody   int // bytes of body analysed
	MaxTokens int // lexer tokens per document
	MaxDepth  int // selection-set depth walked
	MaxNodes  int // selections visited per request, fragments expanded
	MaxBatch  int // requests analysed in one JSON array
}

// DefaultLimits suit the access log's 16 KiB body field with room to spare.
func DefaultLimits() Limits {
	return Limits{MaxBody: 64 << 10, MaxTokens: 20000, MaxDepth: 40, MaxNodes: 50000, MaxBatch: 100}
}

// Request is what the access log holds of one GraphQL request.
type Request struct {
	Body     []byte // POST body, as sent
	RawQuery string // the URL's query string (GET requests carry the query there)
}

// Analysis is what one request asked for.
type Analysis struct {
	Operations     int      `json:"operations"`
	Batch          int      `json:"batch_size"` // requests in a JSON array (1 for a plain request)
	OperationTypes []string `json:"operation_types,omitempty"`
	OperationNames []string `json:"operation_names,omitempty"`
	Introspection  bool     `json:"introspection"`
	Depth          int      `json:"depth"`
	Fields         int      `json:"fields"`
	Aliases        int      `json:"aliases"`
	MaxSameField   int      `json:"max_same_field"` // most selections of one field in one selection set
	MaxFirst       int64    `json:"max_first"`      // largest first:/last: requested
	PIIFields      []string `json:"pii_fields,omitempty"`
	PIICategories  []string `json:"pii_categories,omitempty"`
	// PIIValues is how many personal-data values the request asks for:
	// for each personal-data field selected, the product of the list sizes
	// (first: N, or the default page of 10) above it, summed. Aliases
	// count again, which is what makes alias batching a harvest.
	PIIValues  int64  `json:"pii_values"`
	ParseError string `json:"parse_error,omitempty"`
	Truncated  bool   `json:"truncated,omitempty"`
}

// ParseFailed reports whether some part of the request did not parse.
func (a Analysis) ParseFailed() bool { return a.ParseError != "" }

// Fields renders the analysis as the flat string fields of a Sigma event
// (logsource product: wordpress, service: graphql).
func (a Analysis) EventFields() map[string]string {
	return map[string]string{
		"operations":           strconv.Itoa(a.Operations),
		"batch_size":           strconv.Itoa(a.Batch),
		"operation_type":       strings.Join(a.OperationTypes, ","),
		"operation_name":       strings.Join(a.OperationNames, ","),
		"introspection":        strconv.FormatBool(a.Introspection),
		"depth":                strconv.Itoa(a.Depth),
		"fields":               strconv.Itoa(a.Fields),
		"alias_count":          strconv.Itoa(a.Aliases),
		"alias_max_same_field": strconv.Itoa(a.MaxSameField),
		"max_first":            strconv.FormatInt(a.MaxFirst, 10),
		"pii_fields":           strings.Join(a.PIIFields, ","),
		"pii_categories":       strings.Join(a.PIICategories, ","),
		"pii_values":           strconv.FormatInt(a.PIIValues, 10),
		"parse_failed":         strconv.FormatBool(a.ParseFailed()),
		"parse_error":          a.ParseError,
		"truncated":            strconv.FormatBool(a.Truncated),
	}
}

// defaultPage is WPGraphQL's page size when a connection is asked for
// without first/last.
const defaultPage = 10

// maxCount caps products of list sizes so they cannot overflow.
const maxCount = int64(1) << 40

type request struct {
	Query         string          `json:"query"`
	Variables     json.RawMessage `json:"variables"`
	OperationName string          `json:"operationName"`
}

// Analyze reads one request. It never fails: what does not parse is
// reported in ParseError, and limits reached in Truncated. s may be nil
// (fields are then judged by their names alone).
func Analyze(s *Schema, r Request, lim Limits) Analysis {
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	var a Analysis
	body := bytes.TrimSpace(r.Body)
	if len(body) > lim.MaxBody {
		body, a.Truncated = body[:lim.MaxBody], true
	}
	var reqs []request
	switch {
	case len(body) > 0 && body[0] == '{':
		var one request
		if err := json.Unmarshal(body, &one); err != nil {
			// application/graphql bodies may be a shorthand query, which
			// starts with { too.
			if _, perr := parser.ParseQueryWithTokenLimit(&ast.Source{Input: string(body)}, lim.MaxTokens); perr != nil {
				a.fail("body is neither JSON (" + err.Error() + ") nor a GraphQL document (" + perr.Error() + ")")
				return a
			}
			one = request{Query: string(body)}
		}
		reqs = []request{one}
	case len(body) > 0 && body[0] == '[':
		if err := json.Unmarshal(body, &reqs); err != nil {
			a.fail("body is not a valid JSON batch: " + err.Error())
			return a
		}
	case len(body) > 0:
		if v, err := url.ParseQuery(string(body)); err == nil && v.Has("query") {
			reqs = []request{{Query: v.Get("query"), Variables: json.RawMessage(v.Get("variables")), OperationName: v.Get("operationName")}}
		} else {
			reqs = []request{{Query: string(body)}}
		}
	default:
		v, err := url.ParseQuery(r.RawQuery)
		if err != nil || !v.Has("query") {
			a.fail("no query in the body or the URL")
			return a
		}
		reqs = []request{{Query: v.Get("query"), Variables: json.RawMessage(v.Get("variables")), OperationName: v.Get("operationName")}}
	}
	a.Batch = len(reqs)
	if len(reqs) > lim.MaxBatch {
		reqs, a.Truncated = reqs[:lim.MaxBatch], true
	}
	w := &walker{s: s, lim: lim, a: &a, pii: map[string]bool{}, cats: map[string]bool{}, types: map[string]bool{}}
	for _, rq := range reqs {
		w.request(rq)
	}
	a.PIIFields = sortedKeys(w.pii, 20)
	a.PIICategories = sortedKeys(w.cats, 20)
	a.OperationTypes = sortedKeys(w.types, 3)
	if len(a.OperationNames) > 5 {
		a.OperationNames = a.OperationNames[:5]
	}
	return a
}

func (a *Analysis) fail(msg string) {
	if a.ParseError == "" {
		a.ParseError = clip.String(msg, 200)
	}
}

type walker struct {
	s     *Schema
	lim   Limits
	a     *Analysis
	doc   *ast.QueryDocument
	vars  map[string]any
	nodes int
	stack map[string]bool // fragments being expanded, to stop cycles
	pii   map[string]bool
	cats  map[string]bool
	types map[string]bool
}

func (w *walker) request(rq request) {
	if strings.TrimSpace(rq.Query) == "" {
		w.a.fail("a request has no query")
		return
	}
	w.vars = nil
	if len(rq.Variables) > 0 && !bytes.Equal(bytes.TrimSpace(rq.Variables), []byte("null")) {
		if err := json.Unmarshal(rq.Variables, &w.vars); err != nil {
			w.a.fail("variables are not a JSON object: " + err.Error())
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: rq.Query}, w.lim.MaxTokens)
	if err != nil {
		w.a.fail(err.Error())
		if doc == nil {
			return
		}
	}
	w.doc = doc
	for _, op := range doc.Operations {
		if rq.OperationName != "" && op.Name != rq.OperationName && len(doc.Operations) > 1 {
			continue
		}
		w.a.Operations++
		w.types[string(op.Operation)] = true
		if op.Name != "" {
			w.a.OperationNames = append(w.a.OperationNames, clip.String(op.Name, 64))
		}
		w.stack = map[string]bool{}
		w.selections(op.SelectionSet, w.s.rootType(op.Operation), 1, 1, false)
	}
}

func (w *walker) selections(set ast.SelectionSet, typeName string, depth int, mult int64, introspecting bool) {
	if len(set) == 0 {
		return
	}
	if depth > w.a.Depth {
		w.a.Depth = depth
	}
	if depth > w.lim.MaxDepth {
		w.a.Truncated = true
		return
	}
	same := map[string]int{}
	for _, sel := range set {
		w.nodes++
		if w.nodes > w.lim.MaxNodes {
			w.a.Truncated = true
			return
		}
		switch sel := sel.(type) {
		case *ast.Field:
			w.field(sel, typeName, depth, mult, introspecting, same)
		case *ast.InlineFragment:
			t := typeName
			if sel.TypeCondition != "" {
				t = sel.TypeCondition
			}
			w.selections(sel.SelectionSet, t, depth, mult, introspecting)
		case *ast.FragmentSpread:
			if w.doc == nil || w.stack[sel.Name] {
				continue
			}
			fd := w.doc.Fragments.ForName(sel.Name)
			if fd == nil {
				continue
			}
			t := typeName
			if fd.TypeCondition != "" {
				t = fd.TypeCondition
			}
			w.stack[sel.Name] = true
			w.selections(fd.SelectionSet, t, depth, mult, introspecting)
			delete(w.stack, sel.Name)
		}
	}
	for _, n := range same {
		if n > w.a.MaxSameField {
			w.a.MaxSameField = n
		}
	}
}

func (w *walker) field(f *ast.Field, typeName string, depth int, mult int64, introspecting bool, same map[string]int) {
	w.a.Fields++
	same[f.Name]++
	if f.Alias != "" && f.Alias != f.Name {
		w.a.Aliases++
	}
	switch f.Name {
	case "__typename":
		return
	case "__schema", "__type":
		w.a.Introspection = true
		introspecting = true
	}
	def := w.s.field(typeName, f.Name)
	if n, ok := w.listSize(f, def); ok {
		mult = satMul(mult, n)
	}
	if len(f.SelectionSet) == 0 {
		if introspecting {
			return
		}
		cat, name := w.s.category(typeName, f.Name), typeName+"."+f.Name
		if cat == "" && def == nil {
			cat, name = nameCategory(f.Name), f.Name
		}
		if cat != "" {
			w.a.PIIValues = satAdd(w.a.PIIValues, mult)
			w.pii[name] = true
			w.cats[cat] = true
		}
		return
	}
	child := ""
	if def != nil {
		child = def.Type.Name()
	}
	w.selections(f.SelectionSet, child, depth+1, mult, introspecting)
}

// listSize is how many items a field asks for: first/last when given, the
// default page for a connection (a field the schema gives a first
// argument) without them.
func (w *walker) listSize(f *ast.Field, def *ast.FieldDefinition) (int64, bool) {
	arg := f.Arguments.ForName("first")
	if arg == nil {
		arg = f.Arguments.ForName("last")
	}
	if arg != nil && arg.Value != nil {
		n, ok := w.intValue(arg.Value)
		if !ok {
			return defaultPage, true
		}
		n = max(0, min(n, maxCount))
		if n > w.a.MaxFirst {
			w.a.MaxFirst = n
		}
		return n, true
	}
	if def != nil && (def.Arguments.ForName("first") != nil || def.Arguments.ForName("last") != nil) {
		return defaultPage, true
	}
	return 1, false
}

func (w *walker) intValue(v *ast.Value) (int64, bool) {
	switch v.Kind {
	case ast.IntValue, ast.FloatValue, ast.StringValue:
		f, err := strconv.ParseFloat(v.Raw, 64)
		return clampFloat(f), err == nil
	case ast.Variable:
		switch x := w.vars[v.Raw].(type) {
		case float64:
			return clampFloat(x), true
		case string:
			f, err := strconv.ParseFloat(x, 64)
			return clampFloat(f), err == nil
		}
	}
	return 0, false
}

func clampFloat(f float64) int64 {
	if math.IsNaN(f) || f < 0 {
		return 0
	}
	if f > float64(maxCount) {
		return maxCount
	}
	return int64(f)
}

func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > maxCount/b {
		return maxCount
	}
	return a * b
}

func satAdd(a, b int64) int64 {
	if a+b > maxCount {
		return maxCount
	}
	return a + b
}

// nameCategory judges a field the schema does not know by its name, so
// that a harvest through types missing from the schema still counts.
func nameCategory(field string) string {
	switch strings.ToLower(field) {
	case "email", "emailaddress", "billingemail", "useremail":
		return "email"
	case "phone", "phonenumber", "mobile", "billingphone":
		return "phone"
	case "firstname", "lastname", "fullname", "displayname", "billingfirstname", "billinglastname":
		return "name"
	case "address1", "address2", "street", "postcode", "zip", "zipcode", "postalcode":
		return "address"
	case "customeripaddress", "ipaddress":
		return "ip"
	case "customeruseragent":
		return "user_agent"
	case "username", "userlogin":
		return "username"
	case "customernote":
		return "note"
	case "cardnumber", "pan", "transactionid":
		return "payment"
	case "dateofbirth", "birthdate", "dob":
		return "birthdate"
	}
	return ""
}

func sortedKeys(m map[string]bool, limit int) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) > limit {
		out = append(out[:limit], fmt.Sprintf("(+%d more)", len(m)-limit))
	}
	return out
}
