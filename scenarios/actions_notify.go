package scenarios

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/breachdrill/breachdrill/internal/clip"
)

// Notice is what a notify step reports to the engine once the contact
// acknowledged.
type Notice struct {
	Contact   string
	Role      string
	Channel   string
	Reference string
}

// notify tells an outside party (the payment processor's incident desk)
// about the incident. The party is a stand-in served inside the run (a
// plugin of the scenario's artifacts): a drill never calls out of the
// stack, so Path is a path on the stack, never an address.
type notify struct {
	Contact string `yaml:"contact" bd:"required" doc:"who is told, as the report names them (\"Acme Pay incident desk\")"`
	Role    string `yaml:"role" default:"payment-processor" doc:"what the contact is to the shop: payment-processor, acquirer, regulator, ..."`
	Path    string `yaml:"path" bd:"required" pattern:"^/[^/]" doc:"path on the stack of the contact's stand-in endpoint (POST, JSON); never an outside address"`
	Message string `yaml:"message" bd:"required" tmpl:"yes" doc:"what the contact is told"`
}

func (a *notify) validate() error {
	if !strings.HasPrefix(a.Path, "/") || strings.HasPrefix(a.Path, "//") || strings.Contains(a.Path, "://") {
		return fmt.Errorf("path %q: give a path on the stack, like /wp-json/acme-pay-desk/v1/incidents; a drill never calls an outside address", a.Path)
	}
	return nil
}

func (a *notify) role() string { return cmp.Or(a.Role, "payment-processor") }

func (a *notify) Describe() string {
	return fmt.Sprintf("notify %s (%s): POST %s", a.Contact, a.role(), a.Path)
}

// Run posts the notice and records the moment the contact acknowledged it
// with a reference; an answer without one is not an acknowledgement.
func (a *notify) Run(ctx context.Context, env *Env) error {
	body, _ := json.Marshal(map[string]string{"contact": a.Contact, "role": a.role(), "message": env.Expand(a.Message)})
	resp, err := env.send(ctx, "notify", false, http.MethodPost, a.Path, nil, body, map[string]string{"Content-Type": "application/json"})
	if err != nil {
		return fmt.Errorf("notify %s: %w", a.Contact, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return fmt.Errorf("notify %s: POST %s answered %d: %s", a.Contact, a.Path, resp.Status, clip.Line(string(resp.Body), 200))
	}
	var ack struct {
		Reference string `json:"reference"`
	}
	if err := json.Unmarshal(resp.Body, &ack); err != nil || ack.Reference == "" {
		return errors.New("notify " + a.Contact + ": the answer carries no reference, so the notice was not acknowledged: " + clip.Line(string(resp.Body), 200))
	}
	env.Notified(Notice{Contact: a.Contact, Role: a.role(), Channel: "HTTP POST " + a.Path + " (stand-in inside the run)", Reference: ack.Reference})
	return nil
}
