package shopper

import (
	"math/rand/v2"
)

// VisitKind is who a visit is: the mix of a small shop's traffic.
type VisitKind string

const (
	VisitBrowse   VisitKind = "browse"   // a guest looks around and leaves
	VisitGuestBuy VisitKind = "guest"    // a guest buys without an account
	VisitCustomer VisitKind = "customer" // a registered customer logs in, looks at the account, maybe buys, logs out
	VisitAdmin    VisitKind = "admin"    // the shop's administrator edits orders and drafts a post
)

// StepKind is one thing a visitor does; most are one request, a checkout
// is the Store API's three.
type StepKind string

const (
	StepHome          StepKind = "home"
	StepCategory      StepKind = "category"
	StepProduct       StepKind = "product"
	StepSearch        StepKind = "search"
	StepAddToCart     StepKind = "add-to-cart"
	StepCart          StepKind = "cart"
	StepCheckout      StepKind = "checkout"
	StepLogin         StepKind = "login"
	StepAccount       StepKind = "my-account"
	StepLogout        StepKind = "logout"
	StepAdminLogin    StepKind = "admin-login"
	StepAdminOrders   StepKind = "admin-orders"
	StepAdminOrder    StepKind = "admin-order-edit"
	StepAdminDraft    StepKind = "admin-draft-post"
	StepAdminDash     StepKind = "admin-dashboard"
	StepAdminLogout   StepKind = "admin-logout"
	StepAccountOrders StepKind = "my-account-orders"
)

// Step is one planned action. Pick chooses among what the shop offers at
// run time (a product, a customer, an order), so the plan does not depend
// on the catalogue and the same seed gives the same choices on the same
// shop.
type Step struct {
	Kind  StepKind `json:"kind"`
	Pick  uint32   `json:"pick,omitempty"`
	Query string   `json:"query,omitempty"`   // search terms
	Pay   string   `json:"payment,omitempty"` // cod or bacs
}

// Visit is one visitor's session, from the first page to leaving.
type Visit struct {
	Kind  VisitKind `json:"kind"`
	Pick  uint32    `json:"pick"` // the customer, for customer visits
	Steps []Step    `json:"steps"`
}

// searchTerms are what shoppers type: words, product-ish phrases, a typo.
var searchTerms = []string{"poster", "blue shirt", "mug", "gift card", "vault", "lamp", "socks", "notebook", "t-shirt", "hoodie", "cap", "bag", "wallet", "elite", "sale"}

// visitWeights is the traffic mix in percent: most visitors only look.
var visitWeights = []struct {
	kind VisitKind
	pct  int
}{{VisitBrowse, 45}, {VisitGuestBuy, 22}, {VisitCustomer, 25}, {VisitAdmin, 8}}

// planner draws visits from one seeded stream.
type planner struct{ r *rand.Rand }

func newPlanner(seed uint64, lane int) *planner {
	return &planner{r: rand.New(rand.NewPCG(seed, 0x5eed0000+uint64(lane)))}
}

// Plan returns the first n visits of shopper lane for seed: the same seed
// and lane give the same visits, in the same order, on every machine.
func Plan(seed uint64, lane, n int) []Visit {
	p := newPlanner(seed, lane)
	out := make([]Visit, n)
	for i := range out {
		out[i] = p.next()
	}
	return out
}

func (p *planner) pick() uint32 { return p.r.Uint32() }

func (p *planner) pay() string {
	if p.r.IntN(2) == 0 {
		return "cod"
	}
	return "bacs"
}

// browsing is a few pages of looking around.
func (p *planner) browsing(steps []Step) []Step {
	for n := 1 + p.r.IntN(4); n > 0; n-- {
		switch x := p.r.IntN(10); {
		case x < 4:
			steps = append(steps, Step{Kind: StepProduct, Pick: p.pick()})
		case x < 6:
			steps = append(steps, Step{Kind: StepCategory, Pick: p.pick()})
		case x < 8:
			steps = append(steps, Step{Kind: StepSearch, Query: searchTerms[p.r.IntN(len(searchTerms))]})
		default:
			steps = append(steps, Step{Kind: StepHome})
		}
	}
	return steps
}

// buying is one to three products into the cart, the cart, the checkout.
func (p *planner) buying(steps []Step) []Step {
	for n := 1 + p.r.IntN(3); n > 0; n-- {
		k := p.pick()
		steps = append(steps, Step{Kind: StepProduct, Pick: k}, Step{Kind: StepAddToCart, Pick: k})
	}
	return append(steps, Step{Kind: StepCart}, Step{Kind: StepCheckout, Pay: p.pay(), Pick: p.pick()})
}

func (p *planner) next() Visit {
	x := p.r.IntN(100)
	kind := visitWeights[len(visitWeights)-1].kind
	for _, w := range visitWeights {
		if x < w.pct {
			kind = w.kind
			break
		}
		x -= w.pct
	}
	v := Visit{Kind: kind, Pick: p.pick()}
	switch kind {
	case VisitBrowse:
		v.Steps = p.browsing([]Step{{Kind: StepHome}})
	case VisitGuestBuy:
		v.Steps = p.buying(p.browsing([]Step{{Kind: StepHome}}))
	case VisitCustomer:
		v.Steps = []Step{{Kind: StepAccount}, {Kind: StepLogin}, {Kind: StepAccountOrders}}
		if p.r.IntN(2) == 0 {
			v.Steps = p.buying(p.browsing(v.Steps))
		} else {
			v.Steps = p.browsing(v.Steps)
		}
		v.Steps = append(v.Steps, Step{Kind: StepAccount}, Step{Kind: StepLogout})
	case VisitAdmin:
		v.Steps = []Step{{Kind: StepAdminLogin}, {Kind: StepAdminDash}, {Kind: StepAdminOrders}}
		for n := 1 + p.r.IntN(2); n > 0; n-- {
			v.Steps = append(v.Steps, Step{Kind: StepAdminOrder, Pick: p.pick()})
		}
		if p.r.IntN(3) == 0 {
			v.Steps = append(v.Steps, Step{Kind: StepAdminDraft, Pick: p.pick()})
		}
		v.Steps = append(v.Steps, Step{Kind: StepAdminLogout})
	}
	return v
}

// Tour is one visitor of each kind, every step they can take at least
// once except marking an order completed: a guest who buys, a customer who
// logs in, looks at the account and logs out, and the administrator who
// edits an order and saves a draft post.
func Tour() []Visit {
	return []Visit{
		{Kind: VisitGuestBuy, Steps: []Step{{Kind: StepHome}, {Kind: StepCategory}, {Kind: StepSearch, Query: "poster"},
			{Kind: StepProduct, Pick: 1}, {Kind: StepAddToCart, Pick: 1}, {Kind: StepCart}, {Kind: StepCheckout, Pay: "cod"}}},
		{Kind: VisitCustomer, Steps: []Step{{Kind: StepAccount}, {Kind: StepLogin}, {Kind: StepAccountOrders}, {Kind: StepAccount}, {Kind: StepLogout}}},
		{Kind: VisitAdmin, Steps: []Step{{Kind: StepAdminLogin}, {Kind: StepAdminDash}, {Kind: StepAdminOrders},
			{Kind: StepAdminOrder, Pick: 1}, {Kind: StepAdminDraft}, {Kind: StepAdminLogout}}},
	}
}
