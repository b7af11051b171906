package fakedata

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/brianvoe/gofakeit/v7"
)

// Address is one WooCommerce address, billing or shipping. Shipping
// addresses have no e-mail.
type Address struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

// billingFields and shippingFields are the fields WooCommerce keeps per
// address type, in the order of WC_Order::get_address (which is also the
// order of the address index meta).
func (a Address) billingFields() [11]string {
	return [11]string{a.FirstName, a.LastName, a.Company, a.Address1, a.Address2, a.City, a.State, a.Postcode, a.Country, a.Email, a.Phone}
}

func (a Address) shippingFields() [10]string {
	return [10]string{a.FirstName, a.LastName, a.Company, a.Address1, a.Address2, a.City, a.State, a.Postcode, a.Country, a.Phone}
}

var billingKeys = [11]string{"first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country", "email", "phone"}
var shippingKeys = [10]string{"first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country", "phone"}

// addressIndex is what WooCommerce stores as _billing_address_index and
// _shipping_address_index: the address's fields joined by spaces.
func addressIndex(fields []string) string { return strings.Join(fields, " ") }

// ShopCurrency is the one currency the shop sells in: the stack sets
// woocommerce_currency to it, and every order is in it, as in a real shop,
// whichever country the customer lives in.
const ShopCurrency = "EUR"

// country is everything that depends on where a customer lives. Only
// countries with telephone ranges reserved for fiction are here. Their
// state codes are keys of WooCommerce's own list (i18n/states.php), and
// their postcodes pass WC_Validation::is_postcode, which the Store API
// applies to every address, while naming no real place.
type country struct {
	code      string
	taxRateID int
	taxLabel  string
	taxBP     int64 // tax rate in basis points
	shipping  int64 // flat-rate shipping in cents
	states    []string
	postcode  func(f *gofakeit.Faker) string
	phone     func(f *gofakeit.Faker) string
}

var countries = []country{
	{code: "US", taxRateID: 1, taxLabel: "Sales tax", taxBP: 725, shipping: 799,
		states: []string{"CA", "NY", "TX", "WA", "IL", "OR", "CO", "MA", "GA", "PA", "OH", "MI", "NC", "VA", "AZ", "MN"},
		// ZIP codes below 00501 are not assigned to any place.
		postcode: func(f *gofakeit.Faker) string { return fmt.Sprintf("00%03d", between(f, 100, 499)) },
		phone:    nanpPhone},
	{code: "GB", taxRateID: 2, taxLabel: "VAT", taxBP: 2000, shipping: 495,
		// "AA" and "YY" are valid in form but are no postcode area (AA9A 9AA
		// is the form's own example in the UK's address standard).
		postcode: func(f *gofakeit.Faker) string {
			return fmt.Sprintf("%s%d %d%c%c", pick(f, []string{"AA", "YY"}), between(f, 1, 9), between(f, 0, 9),
				pick(f, []byte("ABDEFGHJLNPQRSTUWXYZ")), pick(f, []byte("ABDEFGHJLNPQRSTUWXYZ")))
		},
		phone: ukPhone},
	{code: "CA", taxRateID: 3, taxLabel: "HST", taxBP: 1300, shipping: 1250,
		states: []string{"ON", "BC", "QC", "AB", "MB", "NS"},
		// X0X, X0Y and X0Z are valid in form but no forward sortation area
		// (the X areas in use are X0A, X0B, X0C, X0E, X0G and X1A).
		postcode: func(f *gofakeit.Faker) string {
			l := func() byte { return pick(f, []byte("ABCEGHJKLMNPRSTVWXYZ")) }
			return fmt.Sprintf("X0%c %d%c%d", pick(f, []byte("XYZ")), f.IntN(10), l(), f.IntN(10))
		},
		phone: nanpPhone},
	{code: "AU", taxRateID: 4, taxLabel: "GST", taxBP: 1000, shipping: 995,
		states:   []string{"NSW", "VIC", "QLD", "WA", "SA", "TAS"},
		postcode: func(f *gofakeit.Faker) string { return fmt.Sprintf("%04d", between(f, 2000, 7999)) },
		phone:    auPhone},
}

// taxRateRange is the ids of the tax rates the dataset adds to the shop.
func taxRateRange() Range {
	r := Range{First: int64(countries[0].taxRateID), Last: int64(countries[0].taxRateID)}
	for _, c := range countries {
		r.First, r.Last = min(r.First, int64(c.taxRateID)), max(r.Last, int64(c.taxRateID))
	}
	return r
}

// rateCode is the name WooCommerce gives an order's tax item:
// WC_Tax::get_rate_code of a rate for the whole country.
func (c country) rateCode() string {
	return strings.ToUpper(c.code + "-" + c.taxLabel + "-1")
}

var countryWeights = weighted{40, 30, 12, 18}

func countryByCode(code string) country {
	for _, c := range countries {
		if c.code == code {
			return c
		}
	}
	return countries[0]
}

// nanpPhone is a North American number in 555-0100..555-0199, the block
// reserved for fiction in every area code. Area codes starting with 2 or 3
// are left to canaries (canaryPhone), so a canary's number is its own.
func nanpPhone(f *gofakeit.Faker) string {
	area := between(f, 4, 9)*100 + between(f, 0, 8)*10 + f.IntN(10)
	if area%100 == 11 {
		area-- // N11 codes are service numbers, not area codes
	}
	line := 100 + f.IntN(100)
	switch f.IntN(3) {
	case 0:
		return fmt.Sprintf("(%d) 555-%04d", area, line)
	case 1:
		return fmt.Sprintf("%d-555-%04d", area, line)
	default:
		return fmt.Sprintf("+1 %d-555-%04d", area, line)
	}
}

// Ofcom's numbers for drama: each prefix is followed by 1,000 numbers.
var ukDrama = []struct{ national, international string }{
	{"07700 900", "+44 7700 900"},
	{"0113 496 0", "+44 113 496 0"},
	{"0114 496 0", "+44 114 496 0"},
	{"0115 496 0", "+44 115 496 0"},
	{"0116 496 0", "+44 116 496 0"},
	{"0117 496 0", "+44 117 496 0"},
	{"0118 496 0", "+44 118 496 0"},
	{"0121 496 0", "+44 121 496 0"},
	{"0131 496 0", "+44 131 496 0"},
	{"0141 496 0", "+44 141 496 0"},
	{"0151 496 0", "+44 151 496 0"},
	{"0161 496 0", "+44 161 496 0"},
	{"020 7946 0", "+44 20 7946 0"},
	{"01632 960", "+44 1632 960"},
}

func ukPhone(f *gofakeit.Faker) string {
	r := ukDrama[0] // mostly mobiles, as in a web shop
	if !chance(f, 60) {
		r = pick(f, ukDrama)
	}
	prefix := r.national
	if chance(f, 30) {
		prefix = r.international
	}
	return fmt.Sprintf("%s%03d", prefix, f.IntN(1000))
}

// auPhone uses ACMA's fictitious landline ranges (0x) 5550 xxxx and
// (0x) 7010 xxxx.
func auPhone(f *gofakeit.Faker) string {
	area := pick(f, []string{"2", "3", "7", "8"})
	block := pick(f, []string{"5550", "7010"})
	n := f.IntN(10000)
	if chance(f, 30) {
		return fmt.Sprintf("+61 %s %s %04d", area, block, n)
	}
	return fmt.Sprintf("0%s %s %04d", area, block, n)
}

// canaryAreaCodes are the area codes of canary phone numbers: 2xx and 3xx
// without the reserved middle digit 9 and the N11 service codes. With 100
// numbers each they give MaxCanaries distinct numbers.
func canaryAreaCode(i int) int {
	n := 0
	for area := 200; area < 400; area++ {
		if (area/10)%10 == 9 || area%100 == 11 {
			continue
		}
		if n == i {
			return area
		}
		n++
	}
	return -1
}

// canaryPhone is the telephone number of canary number i (0-based): in
// 555-0100..555-0199 like every North American number here, in an area code
// no other customer gets.
func canaryPhone(i int) string {
	return fmt.Sprintf("+1 %d-555-%04d", canaryAreaCode(i/100), 100+i%100)
}

// Invented towns. None of them is a place the authors know of, so no
// generated address is anyone's on purpose.
var towns = []string{
	"Amberwick Hollow", "Brindlecombe", "Cobbleford Reach", "Dapplemere", "Eldergloam",
	"Fernwhistle", "Gorsebury Vale", "Hazelrune", "Inkwater Cross", "Juniperfold",
	"Kettlewhin", "Larkspur Haven", "Mossbramble", "Nettlecrest", "Oakumbry",
	"Pebbleshaw", "Quillmarsh", "Rushwillow End", "Saffronmere", "Thistlegrove Vale",
	"Umberdown", "Violetmoor", "Wrenwhistle", "Yarrowbeck", "Zephyrcombe",
	"Applecrumb", "Bellwether Cross", "Candlewick Vale", "Dovecote Reach", "Emberfold",
	"Foxglove Hollow", "Glimmerbrook", "Harrowmist", "Ivywhistle", "Jasperwell",
	"Kindleford Vale", "Lanternmoor", "Marrowdeep", "Nimbleby Cross", "Orchardmere Vale",
	"Puddlecombe Reach", "Quincewater", "Rookhollow Vale", "Sparrowmist", "Tumbledown Reach",
	"Underbramble", "Velvetmere", "Willowmist Cross", "Yewbramble", "Zinnia Hollow",
	"Acornwhistle", "Bramblecrest Vale", "Cloudberry Reach", "Driftmoor Cross", "Elmwhistle",
	"Frostfern", "Gingerbrook Vale", "Honeycombe Reach", "Ironquill", "Jollimere",
}

var streetWords = []string{
	"Amber", "Bramble", "Cobble", "Dapple", "Ember", "Fennel", "Garnet", "Heather", "Indigo",
	"Juniper", "Kestrel", "Lantern", "Marigold", "Nutmeg", "Opal", "Pewter", "Quince", "Rosehip",
	"Saffron", "Thistle", "Umber", "Velvet", "Wicker", "Yarrow", "Zinnia", "Acorn", "Birch",
	"Clover", "Dove", "Elder", "Foxglove", "Ginger", "Hazel", "Ivy", "Jasper", "Kettle", "Linden",
	"Meadow", "Nettle", "Orchard", "Pebble", "Quill", "Rowan", "Sparrow", "Teasel", "Willow", "Wren",
}

// StreetSuffixes are the last words of every generated street; the scanner
// recognises street lines by them.
var streetSuffixes = []string{
	"Street", "Lane", "Road", "Avenue", "Drive", "Court", "Way", "Close", "Row", "Place",
	"Crescent", "Terrace", "Grove", "Mews", "Walk",
}

func streetLine(f *gofakeit.Faker) string {
	return strconv.Itoa(between(f, 1, 240)) + " " + pick(f, streetWords) + " " + pick(f, streetSuffixes)
}

func secondLine(f *gofakeit.Faker) string {
	if !chance(f, 20) {
		return ""
	}
	return pick(f, []string{"Apt ", "Flat ", "Unit ", "Suite "}) + strconv.Itoa(between(f, 1, 60))
}

// Only domains reserved for documentation by RFC 2606.
var emailDomains = []string{"example.com", "example.com", "example.net", "example.org"}

// emailLocal is a mailbox name made from the person's name and a number
// unique to the customer, so no two customers share an address.
func emailLocal(f *gofakeit.Faker, first, last string, unique int) string {
	first, last = asciiLower(first), asciiLower(last)
	n := strconv.Itoa(unique)
	switch f.IntN(4) {
	case 0:
		return first + "." + last + n
	case 1:
		return first[:1] + last + n
	case 2:
		return first + n
	default:
		return last + "." + first + n
	}
}

// asciiLower keeps the letters of s, lower-cased, for use in a mailbox
// name; it never returns "", so first[:1] is safe.
func asciiLower(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

var companySuffixes = []string{"Ltd", "LLC", "& Co", "Trading", "Studio", "Supplies", "Partners"}

// documentationNets are the three IPv4 networks RFC 5737 reserves for
// documentation; no real client has these addresses.
var documentationNets = []string{"192.0.2.", "198.51.100.", "203.0.113."}

func documentationIP(f *gofakeit.Faker) string {
	return pick(f, documentationNets) + strconv.Itoa(between(f, 1, 254))
}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
	"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
	"Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
}

var customerNotes = []string{
	"Please leave the parcel with a neighbour if I am out.",
	"Gift wrap, please.",
	"Deliver to the side door.",
	"Is it possible to ship before Friday?",
	"No invoice in the box, it is a present.",
}
