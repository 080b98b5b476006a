package classifier_test

import (
	"strings"
	"testing"

	"trawl.dev/classifier"
)

func TestSignalPaymentAccount(t *testing.T) {
	runSignal(t, "ru.payment_account", []signalCase{
		{name: "webmoney purse", page: text("Оплата на WebMoney-кошелёк R336600102277, зачисление сразу."), want: true, snippet: "R336600102277"},
		{name: "yoomoney wallet", page: text("Yandex.Money wallet 41001893355211"), want: true, snippet: "41001893355211"},
		{name: "a phone number", page: text("Call +7 (495) 231-88-10"), want: false},
	})
}

func TestSignalRegistrar(t *testing.T) {
	regs, bad := classifier.ReadRegistrars(strings.NewReader("tunes.example\tRU-CENTER-RU\nother.example\tGoDaddy.com, LLC\nbroken line\n"))
	if len(bad) != 1 {
		t.Errorf("ReadRegistrars: got %d bad lines, want 1", len(bad))
	}
	a := &classifier.Analyzer{Registrars: regs}
	for site, want := range map[string]bool{"tunes.example": true, "other.example": false, "unknown.example": false} {
		an := a.Analyze(&classifier.Page{URL: "http://" + site + "/", Host: site, Site: site, Text: "Music."})
		if got := hasHit(an, "ru.registrar"); got != want {
			t.Errorf("%s: ru.registrar fired %v, want %v", site, got, want)
		}
	}
}
