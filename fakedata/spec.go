package fakedata

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/breachdrill/breachdrill/internal/fault"
)

// DefaultAnchor is the moment a Spec's dates count back from when it names
// none: orders fall in the 18 months before it, registrations in the 24
// months before it. A constant rather than the clock, so that a dataset is
// the same whenever it is generated.
const DefaultAnchor = "2026-01-01T00:00:00Z"

func defaultAnchor() time.Time { return time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC) }

// Defaults and limits of a Spec. The limits keep a typo (an extra zero)
// from filling the disk: a million customers and five million orders are
// far past any drill.
const (
	DefaultProducts     = 50
	DefaultCanaryShare  = 0.02
	DefaultPasswordCost = 8
	DefaultTablePrefix  = "wp_"

	MaxCustomers = 1_000_000
	MaxOrders    = 5_000_000
	MaxProducts  = lastProductPostID - firstProductPostID + 1
	// MaxCanaries is the number of distinct canary telephone numbers (see
	// canaryPhone); each canary needs its own.
	MaxCanaries = 17_800
)

// WordPress writes phpass hashes with 2^13 rounds ($P$B). Generating tens
// of thousands of those takes minutes, so the default is 2^8: still a valid
// portable hash that wp_check_password accepts, and one a cracking drill
// gets through quickly. PasswordCost 13 gives WordPress's own cost.
const (
	minPasswordCost = 7
	maxPasswordCost = 13
)

// Spec says which dataset to make. The zero value of every field but Seed,
// Customers and Orders means its default.
type Spec struct {
	Seed      uint64 `json:"seed"`
	Customers int    `json:"customers"`
	Orders    int    `json:"orders"`
	// Products defaults to DefaultProducts.
	Products int `json:"products"`
	// CanaryShare is the fraction of customers that carry canary markers
	// (default 2%); at least one customer is a canary whenever there are
	// customers.
	CanaryShare float64 `json:"canary_share"`
	// Anchor defaults to DefaultAnchor.
	Anchor time.Time `json:"anchor"`
	// PasswordCost is phpass's log2 of rounds (default 8, WordPress's own
	// is 13).
	PasswordCost int `json:"password_cost"`
	// TablePrefix is WordPress's table prefix (default "wp_"); the role
	// meta keys carry it (wp_capabilities), so it is part of the data.
	TablePrefix string `json:"table_prefix"`
}

var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)

// withDefaults fills in every zero field that has a default.
func (s Spec) withDefaults() Spec {
	if s.Products == 0 {
		s.Products = DefaultProducts
	}
	if s.CanaryShare == 0 {
		s.CanaryShare = DefaultCanaryShare
	}
	if s.Anchor.IsZero() {
		s.Anchor = defaultAnchor()
	}
	s.Anchor = s.Anchor.UTC().Truncate(time.Second)
	if s.PasswordCost == 0 {
		s.PasswordCost = DefaultPasswordCost
	}
	if s.TablePrefix == "" {
		s.TablePrefix = DefaultTablePrefix
	}
	return s
}

// Normalize returns the Spec with its defaults filled in, or a fault.Input
// error that says what is wrong with it.
func (s Spec) Normalize() (Spec, error) {
	s = s.withDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case s.Customers < 0:
		bad("customers %d: must not be negative", s.Customers)
	case s.Customers > MaxCustomers:
		bad("customers %d: more than %d is not a drill dataset", s.Customers, MaxCustomers)
	}
	switch {
	case s.Orders < 0:
		bad("orders %d: must not be negative", s.Orders)
	case s.Orders > MaxOrders:
		bad("orders %d: more than %d is not a drill dataset", s.Orders, MaxOrders)
	case s.Orders > 0 && s.Customers == 0:
		bad("orders %d with no customers: every order belongs to a customer", s.Orders)
	}
	if s.Products < 1 || s.Products > MaxProducts {
		bad("products %d: use 1 to %d", s.Products, MaxProducts)
	}
	if math.IsNaN(s.CanaryShare) || s.CanaryShare <= 0 || s.CanaryShare > 1 {
		bad("canary share %v: use a fraction above 0 and at most 1 (0.02 is 2%%)", s.CanaryShare)
	} else if n := canaryCount(s.Customers, s.CanaryShare); n > MaxCanaries {
		bad("canary share %v of %d customers is %d canaries: at most %d have distinct marker phone numbers", s.CanaryShare, s.Customers, n, MaxCanaries)
	}
	if s.PasswordCost < minPasswordCost || s.PasswordCost > maxPasswordCost {
		bad("password cost %d: phpass portable hashes take %d to %d (WordPress uses 13)", s.PasswordCost, minPasswordCost, maxPasswordCost)
	}
	if y := s.Anchor.Year(); y < 2000 || y > 2100 {
		bad("anchor %s: pick a date between 2000 and 2100", s.Anchor.Format(time.DateOnly))
	}
	if !prefixPattern.MatchString(s.TablePrefix) {
		bad("table prefix %q: use letters, digits and '_'", s.TablePrefix)
	}
	if len(errs) > 0 {
		return s, fault.Input(fmt.Errorf("dataset spec: %w", errors.Join(errs...)))
	}
	return s, nil
}

// canaryCount is the number of canary customers: the share rounded, but
// never zero when there are customers, since a dataset without a canary
// cannot prove which records leaked.
func canaryCount(customers int, share float64) int {
	if customers == 0 {
		return 0
	}
	n := int(math.Round(float64(customers) * share))
	return min(max(n, 1), customers)
}
