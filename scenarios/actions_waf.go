package scenarios

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"

	"github.com/breachdrill/breachdrill/containers"
	"go.yaml.in/yaml/v3"
)

// WAFTarget is a stack whose ModSecurity a scenario can switch and give
// rules to; *containers.Stack is one. Reset puts both back.
type WAFTarget interface {
	SetWAF(ctx context.Context, mode containers.WAFMode) error
	AddWAFRule(ctx context.Context, name string, rule []byte) error
}

func wafTarget(env *Env) (WAFTarget, error) {
	t, ok := env.Target.(WAFTarget)
	if !ok {
		return nil, errors.New("this stack has no WAF to switch")
	}
	return t, nil
}

// wafPreconditions are the preconditions that set the WAF's mode for a
// scenario, at warm-up, before its baseline window.
var wafPreconditions = map[string]containers.WAFMode{
	"waf-off":    containers.WAFOff,
	"waf-detect": containers.WAFDetect,
	"waf-block":  containers.WAFBlock,
}

// WAFMode is the WAF mode the scenario declares as a precondition, or ""
// when it runs with whatever mode the stack has.
func (s *Scenario) WAFMode() containers.WAFMode {
	for _, p := range s.Preconditions {
		if m, ok := wafPreconditions[p]; ok {
			return m
		}
	}
	return ""
}

// WarmUp lists the steps to run before the baseline window: those that put
// the stack in the state the preconditions declare (its WAF mode), then the
// scenario's own warmup steps. Reset undoes them.
func (s *Scenario) WarmUp() []Step {
	var steps []Step
	if m := s.WAFMode(); m != "" {
		steps = append(steps, Step{Action: "waf.mode", Do: &wafModeAction{Mode: string(m)}})
	}
	return append(steps, s.Warmup...)
}

type wafModeAction struct {
	Mode string `yaml:"mode" bd:"required" enum:"off,detect,block" doc:"off: rules do not run; detect: rules run and log, nothing is blocked (DetectionOnly); block: requests over the anomaly threshold get 403"`
}

func (a *wafModeAction) validate() error {
	_, err := containers.ParseWAFMode(a.Mode)
	if err != nil {
		return fmt.Errorf("mode %q: use off, detect or block", a.Mode)
	}
	return nil
}

func (a *wafModeAction) Describe() string {
	return fmt.Sprintf("WAF (ModSecurity + OWASP CRS) to %s", a.Mode)
}

func (a *wafModeAction) Run(ctx context.Context, env *Env) error {
	t, err := wafTarget(env)
	if err != nil {
		return err
	}
	return t.SetWAF(ctx, containers.WAFMode(a.Mode))
}

// wafRuleAction is a virtual patch: a ModSecurity rule that denies the
// requests matching a path and arguments, whatever mode the WAF is in
// (except off, where no rule runs).
type wafRuleAction struct {
	Name   string            `yaml:"name" bd:"required" pattern:"^[a-z][a-z0-9]*(-[a-z0-9]+)*$" doc:"names the rule file (zz-responder-NAME.conf in the stack's ModSecurity folder) and the rule's message"`
	Path   string            `yaml:"path" pattern:"^/" doc:"request path to match exactly (ModSecurity's REQUEST_FILENAME); default: any path"`
	Args   map[string]string `yaml:"args" doc:"query or form arguments by name, each with a regular expression (PCRE) its value must match; all must match"`
	Status int               `yaml:"status" default:"403" min:"400" max:"599" doc:"status of the denial"`
	ID     int               `yaml:"id" min:"1090000" max:"1090999" doc:"rule id, in the range reserved for responders; default: one derived from name"`
}

var (
	wafArgName = regexp.MustCompile(`^[A-Za-z0-9_.\-\[\]]+$`)
	// A value goes between double quotes in the rule file: no quote, no
	// backslash before the end, no line break.
	wafUnsafe = regexp.MustCompile(`["\n\r]|\\$`)
)

func (a *wafRuleAction) validate() error {
	if !idPattern.MatchString(a.Name) {
		return fmt.Errorf("name %q: lower-case letters, digits and '-', like acme-order-tracking", a.Name)
	}
	if a.Path == "" && len(a.Args) == 0 {
		return errors.New("give path, args or both: a rule that matches every request would take the shop down")
	}
	if a.Path != "" && (!strings.HasPrefix(a.Path, "/") || strings.ContainsAny(a.Path, " \"\n\r")) {
		return fmt.Errorf("path %q: a path starting with /, without spaces or quotes", a.Path)
	}
	for k, v := range a.Args {
		if !wafArgName.MatchString(k) {
			return fmt.Errorf("args: name %q: letters, digits and _ . - [ ] only", k)
		}
		if v == "" || wafUnsafe.MatchString(v) {
			return fmt.Errorf("args: %s: %q: a non-empty expression without double quotes, line breaks or a trailing backslash", k, v)
		}
	}
	if a.Status != 0 && (a.Status < 400 || a.Status > 599) {
		return fmt.Errorf("status %d: use 400 to 599", a.Status)
	}
	if a.ID != 0 && (a.ID < containers.WAFRuleIDMin || a.ID > containers.WAFRuleIDMax) {
		return fmt.Errorf("id %d: responder rules use %d to %d", a.ID, containers.WAFRuleIDMin, containers.WAFRuleIDMax)
	}
	return nil
}

func (a *wafRuleAction) id() int {
	if a.ID != 0 {
		return a.ID
	}
	h := fnv.New32a()
	h.Write([]byte(a.Name))
	return containers.WAFRuleIDMin + int(h.Sum32()%uint32(containers.WAFRuleIDMax-containers.WAFRuleIDMin+1))
}

func (a *wafRuleAction) status() int {
	if a.Status == 0 {
		return 403
	}
	return a.Status
}

func (a *wafRuleAction) conditions() []string {
	var conds []string
	if a.Path != "" {
		conds = append(conds, fmt.Sprintf(`REQUEST_FILENAME "@streq %s"`, a.Path))
	}
	for _, k := range sortedKeys(a.Args) {
		conds = append(conds, fmt.Sprintf(`ARGS:%s "@rx %s"`, k, a.Args[k]))
	}
	return conds
}

func (a *wafRuleAction) Describe() string {
	return fmt.Sprintf("WAF rule %s (id %d): deny with %d where %s", a.Name, a.id(), a.status(), strings.Join(a.conditions(), " and "))
}

// rule renders the SecRule chain. Phase 2 sees form arguments too. The
// last link switches the engine on for the matching request, so the rule
// denies even while the WAF as a whole only detects.
func (a *wafRuleAction) rule() []byte {
	conds := a.conditions()
	var b strings.Builder
	fmt.Fprintf(&b, "# breachdrill responder rule %s: removed when the stack is reset.\n", a.Name)
	for i, c := range conds {
		var acts []string
		if i == 0 {
			acts = append(acts, fmt.Sprintf("id:%d", a.id()), "phase:2", "deny", fmt.Sprintf("status:%d", a.status()), "log",
				fmt.Sprintf("msg:'breachdrill responder rule %s'", a.Name), "tag:'breachdrill/responder'")
		}
		if i == len(conds)-1 {
			acts = append(acts, "ctl:ruleEngine=On")
		} else {
			acts = append(acts, "chain")
		}
		indent := ""
		if i > 0 {
			indent = "\t"
		}
		fmt.Fprintf(&b, "%sSecRule %s \"%s\"\n", indent, c, strings.Join(acts, ","))
	}
	return []byte(b.String())
}

func (a *wafRuleAction) Run(ctx context.Context, env *Env) error {
	t, err := wafTarget(env)
	if err != nil {
		return err
	}
	return t.AddWAFRule(ctx, a.Name, a.rule())
}

// wafBlocks is the containment check of a WAF response: the attack is
// refused, and the shop still takes orders (a rule that blocks checkout
// contains nothing worth having).
type wafBlocks struct {
	request  `yaml:",inline"`
	Want     intList `yaml:"want" default:"403" doc:"statuses that mean the attack was refused"`
	Checkout string  `yaml:"checkout" default:"cod" enum:"cod,bacs,none" doc:"after the attack is refused, place a guest checkout through the Store API paid with this method (cod or bacs); none skips it"`
}

func (c *wafBlocks) validate() error {
	if c.Checkout != "" && c.Checkout != "cod" && c.Checkout != "bacs" && c.Checkout != "none" {
		return fmt.Errorf("checkout %q: use cod, bacs or none", c.Checkout)
	}
	return c.validateRequest()
}

func (c *wafBlocks) want() []int {
	if len(c.Want) == 0 {
		return []int{403}
	}
	return c.Want
}

func (c *wafBlocks) method() string {
	if c.Checkout == "" {
		return "cod"
	}
	return c.Checkout
}

func (c *wafBlocks) Describe() string {
	d := fmt.Sprintf("%s answers %v", c.describe(), c.want())
	if c.method() != "none" {
		d += " and a guest checkout (" + c.method() + ") still succeeds"
	}
	return d
}

func (c *wafBlocks) Check(ctx context.Context, env *Env) (Result, error) {
	resp, err := c.send(ctx, env, 1)
	if err != nil {
		return Result{}, err
	}
	if !containsInt(c.want(), resp.Status) {
		return Result{Detail: fmt.Sprintf("the attack got %d; checkout not tried", resp.Status)}, nil
	}
	if c.method() == "none" {
		return Result{Pass: true, Detail: fmt.Sprintf("the attack got %d", resp.Status)}, nil
	}
	co, err := guestCheckout(ctx, env, c.method())
	if err != nil {
		return Result{}, err
	}
	detail := fmt.Sprintf("the attack got %d; checkout: %s", resp.Status, co.detail)
	return Result{Pass: co.ok, Detail: detail}, nil
}

// oneWAFMode reports a scenario that declares two WAF modes.
func (p *parser) oneWAFMode(n *yaml.Node, pcs []string) {
	first := ""
	for i, pc := range pcs {
		if _, ok := wafPreconditions[pc]; !ok {
			continue
		}
		if first != "" {
			p.errorf(elem(n, i), "precondition %q: the scenario already declares %q; a scenario runs with one WAF mode", pc, first)
			continue
		}
		first = pc
	}
}
