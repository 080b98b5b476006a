package classifier

import (
	"regexp"
	"strings"
)

// Payment accounts are where a store's money goes: the same WebMoney purse
// or Yandex.Money (YooMoney) wallet on two sites is one operator.
var (
	// A WebMoney purse: its currency letter and twelve digits
	// (Z418223017745 for dollars, R… roubles, E… euros, U… hryvnias).
	wmPurse = regexp.MustCompile(`(?:^|[^\p{L}\d])([ZREUBGKXCDY])(\d{12})(?:[^\d]|$)`)
	// A WebMoney ID: twelve digits after "WMID".
	wmID = regexp.MustCompile(`(?i)wm\s?id\W{0,3}(\d{12})(?:[^\d]|$)`)
	// A Yandex.Money / YooMoney wallet: 4100 and 7 to 12 more digits.
	ymWallet = regexp.MustCompile(`(?:^|[^\d])(4100[1-9]\d{6,11})(?:[^\d]|$)`)
)

// maxAccounts caps the accounts taken from one page.
const maxAccounts = 8

// PaymentAccounts returns the payment accounts named in a text, as
// "webmoney:Z418223017745", "wmid:123456789012" or
// "yoomoney:41001893355211", distinct, in order of appearance.
func PaymentAccounts(text string) []string {
	var out []string
	add := func(a string) {
		for _, have := range out {
			if have == a {
				return
			}
		}
		if len(out) < maxAccounts {
			out = append(out, a)
		}
	}
	// The patterns need a digit run; a page without one has no account.
	if !strings.ContainsAny(text, "0123456789") {
		return nil
	}
	for _, m := range wmPurse.FindAllStringSubmatch(text, maxAccounts) {
		add("webmoney:" + m[1] + m[2])
	}
	for _, m := range wmID.FindAllStringSubmatch(text, maxAccounts) {
		add("wmid:" + m[1])
	}
	for _, m := range ymWallet.FindAllStringSubmatch(text, maxAccounts) {
		add("yoomoney:" + m[1])
	}
	return out
}

func detectPaymentAccount(d *Doc) (string, bool) {
	accts := d.accounts()
	if len(accts) == 0 {
		return "", false
	}
	// Quote the page where the first account is named.
	_, num, _ := strings.Cut(accts[0], ":")
	if i := strings.Index(d.text.orig, num); i >= 0 {
		return snippetAround(d.text.orig, i, i+len(num)), true
	}
	return listSnippet("payment accounts", accts), true
}

// accounts returns the payment accounts on the page, found once.
func (d *Doc) accounts() []string {
	if !d.accountsDone {
		d.accountsDone = true
		d.accts = PaymentAccounts(d.text.orig)
	}
	return d.accts
}
