package classifier

import "strings"

// Payment accounts are where a store's money goes: the same WebMoney purse
// or Yandex.Money (YooMoney) wallet on two sites is one operator. They are
// found in one pass over the digits of a text:
//   - a WebMoney purse is its currency letter and twelve digits
//     (Z418223017745 for dollars, R… roubles, E… euros, U… hryvnias);
//   - a WebMoney ID is twelve digits after "WMID";
//   - a Yandex.Money / YooMoney wallet is 4100, a digit 1–9 and 6 to 11
//     more digits.

// maxAccounts caps the accounts taken from one page.
const maxAccounts = 8

// purseLetters are the currency letters of WebMoney purses.
const purseLetters = "ZREUBGKXCDY"

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
	for i := 0; i < len(text) && len(out) < maxAccounts; {
		if !isDigit(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		run := text[i:j]
		switch {
		case len(run) == 12 && i > 0 && strings.IndexByte(purseLetters, text[i-1]) >= 0 && (i < 2 || !isWordByte(text[i-2])):
			add("webmoney:" + text[i-1:j])
		case len(run) == 12 && wmidBefore(text[max(0, i-8):i]):
			add("wmid:" + run)
		case len(run) >= 11 && len(run) <= 16 && strings.HasPrefix(run, "4100") && run[4] != '0' && (i == 0 || !isWordByte(text[i-1])):
			add("yoomoney:" + run)
		}
		i = j
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isWordByte reports whether c is an ASCII letter or digit, or part of a
// multi-byte character (a letter of another script, most likely).
func isWordByte(c byte) bool {
	return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0x80
}

// wmidBefore reports whether the text before a number names it a WMID.
func wmidBefore(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "wmid") || strings.Contains(s, "wm id")
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
