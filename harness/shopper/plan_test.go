package shopper_test

import (
	"testing"

	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanIsDeterministicPerSeed(t *testing.T) {
	tests := []struct {
		name       string
		seedA      uint64
		laneA      int
		seedB      uint64
		laneB      int
		wantSameAs bool
	}{
		{"same seed and lane", 7, 0, 7, 0, true},
		{"another seed", 7, 0, 8, 0, false},
		{"another lane of the same seed", 7, 0, 7, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := shopper.Plan(tt.seedA, tt.laneA, 200)
			b := shopper.Plan(tt.seedB, tt.laneB, 200)
			require.Len(t, a, 200)
			if tt.wantSameAs {
				assert.Equal(t, a, b, "the same seed and lane must give the same visits")
			} else {
				assert.NotEqual(t, a, b, "a different seed or lane must give different visits")
			}
		})
	}
}

func TestPlanCoversEveryVisitorAndStep(t *testing.T) {
	kinds := map[shopper.VisitKind]int{}
	steps := map[shopper.StepKind]int{}
	pays := map[string]int{}
	for _, v := range shopper.Plan(1, 0, 1000) {
		kinds[v.Kind]++
		require.NotEmpty(t, v.Steps, "a %s visit must do something", v.Kind)
		for _, s := range v.Steps {
			steps[s.Kind]++
			if s.Kind == shopper.StepCheckout {
				pays[s.Pay]++
			}
		}
		if v.Kind == shopper.VisitCustomer {
			assert.Equal(t, shopper.StepLogin, v.Steps[1].Kind, "a customer logs in after opening the account page")
			assert.Equal(t, shopper.StepLogout, v.Steps[len(v.Steps)-1].Kind, "a customer logs out at the end")
		}
		if v.Kind == shopper.VisitBrowse {
			for _, s := range v.Steps {
				assert.NotEqual(t, shopper.StepCheckout, s.Kind, "a browsing guest does not check out")
			}
		}
	}
	// Most visitors only look: the mix of a small shop.
	assert.Greater(t, kinds[shopper.VisitBrowse], kinds[shopper.VisitGuestBuy], "browsers outnumber buyers")
	assert.Greater(t, kinds[shopper.VisitCustomer], kinds[shopper.VisitAdmin], "customers outnumber the administrator")
	for _, k := range []shopper.VisitKind{shopper.VisitBrowse, shopper.VisitGuestBuy, shopper.VisitCustomer, shopper.VisitAdmin} {
		assert.Positive(t, kinds[k], "1000 visits include %s visits", k)
	}
	for _, s := range []shopper.StepKind{shopper.StepHome, shopper.StepCategory, shopper.StepProduct, shopper.StepSearch, shopper.StepAddToCart,
		shopper.StepCart, shopper.StepCheckout, shopper.StepLogin, shopper.StepAccount, shopper.StepAccountOrders, shopper.StepLogout,
		shopper.StepAdminLogin, shopper.StepAdminDash, shopper.StepAdminOrders, shopper.StepAdminOrder, shopper.StepAdminDraft, shopper.StepAdminLogout} {
		assert.Positive(t, steps[s], "1000 visits include the step %s", s)
	}
	assert.Positive(t, pays["cod"], "some checkouts pay cash on delivery")
	assert.Positive(t, pays["bacs"], "some checkouts pay by bank transfer")
	assert.Len(t, pays, 2, "only cod and bacs are enabled on the stack")
}
