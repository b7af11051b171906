package fakedata

import (
	"strconv"
	"time"

	"github.com/brianvoe/gofakeit/v7"
)

// Luhn reports whether digits is a string of at least two decimal digits
// whose Luhn (mod 10) check digit is right.
func Luhn(digits string) bool {
	sum, ok := luhnSum(digits, false)
	return ok && len(digits) >= 2 && sum%10 == 0
}

// luhnComplete appends the check digit that makes body Luhn-valid.
func luhnComplete(body string) string {
	// The check digit will be the rightmost, undoubled, so body's own
	// rightmost digit is doubled.
	sum, _ := luhnSum(body, true)
	return body + strconv.Itoa((10-sum%10)%10)
}

// luhnSum adds up digits from the right, doubling every second digit
// (starting with the rightmost when doubleFirst); ok is false if digits
// holds anything but 0-9.
func luhnSum(digits string, doubleFirst bool) (sum int, ok bool) {
	double := doubleFirst
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum, true
}

// Card is a saved card as a gateway keeps it: WooCommerce stores the token
// and the card's brand, last four digits and expiry, never its number.
type Card struct {
	TokenID  int64  `json:"token_id"`
	Gateway  string `json:"gateway"`
	Token    string `json:"token"`
	Brand    string `json:"brand"` // WooCommerce's card_type: visa, mastercard, amex, discover
	Last4    string `json:"last4"`
	ExpMonth int    `json:"expiry_month"`
	ExpYear  int    `json:"expiry_year"`
	Default  bool   `json:"is_default"`
	number   string
}

// Number is the card's full number, for the card-data scenario to plant
// where a careless plugin would. It is always a published test number or a
// Luhn-valid number inside a test BIN; the loader never writes it.
func (c Card) Number() string { return c.number }

// Networks' published test numbers; any processor declines them.
var testCards = []struct{ brand, number string }{
	{"visa", "4111111111111111"},
	{"visa", "4242424242424242"},
	{"visa", "4012888888881881"},
	{"visa", "4000056655665556"},
	{"mastercard", "5555555555554444"},
	{"mastercard", "5105105105105100"},
	{"mastercard", "2223003122003222"},
	{"amex", "378282246310005"},
	{"amex", "371449635398431"},
	{"discover", "6011111111111117"},
	{"discover", "6011000990139424"},
}

// Test BINs that generated 16-digit numbers start with.
var testBINs = []struct{ brand, bin string }{
	{"visa", "411111"},
	{"visa", "424242"},
	{"mastercard", "555555"},
	{"mastercard", "510510"},
}

// newCard draws one saved card; anchor bounds its expiry, so no card in the
// dataset has expired before the drill's date.
func newCard(f *gofakeit.Faker, anchor time.Time) Card {
	var brand, number string
	if chance(f, 40) {
		c := pick(f, testCards)
		brand, number = c.brand, c.number
	} else {
		b := pick(f, testBINs)
		brand, number = b.brand, luhnComplete(b.bin+randomText(f, 9, "0123456789"))
	}
	return Card{
		Gateway:  "stripe",
		Token:    "pm_" + randomText(f, 24, alnum),
		Brand:    brand,
		Last4:    number[len(number)-4:],
		ExpMonth: between(f, 1, 12),
		ExpYear:  anchor.Year() + between(f, 1, 5),
		number:   number,
	}
}
