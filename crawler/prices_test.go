package crawler_test

import (
	"math"
	"strings"
	"testing"

	"trawl.dev/crawler"
)

func TestFindPrices(t *testing.T) {
	type p struct {
		amount   float64
		currency string
		unit     string
	}
	tests := []struct {
		text string
		want []p
	}{
		{"Only $0.15 per track!", []p{{0.15, "USD", "track"}}},
		{"цена 0.15 USD за трек", []p{{0.15, "USD", "track"}}},
		{"Альбом: 15 руб. за альбом", []p{{15, "RUB", "album"}}},
		{"всего 15 р. за песню", []p{{15, "RUB", "track"}}},
		{"подписка ₽15 в месяц", []p{{15, "RUB", "month"}}},
		{"€0.99/track", []p{{0.99, "EUR", "track"}}},
		{"nur 1,99 € per album", []p{{1.99, "EUR", "album"}}},
		{"2 cents per MB", []p{{0.02, "USD", "mb"}}},
		{"0.02$ за 1 Мб", []p{{0.02, "USD", "mb"}}},
		{"1 цент за мегабайт", []p{{0.01, "USD", "mb"}}},
		{"50 коп. за трек", []p{{0.5, "RUB", "track"}}},
		{"US$9.99/mo", []p{{9.99, "USD", "month"}}},
		{"$5 more to go", []p{{5, "USD", ""}}},
		{"$1 a month", []p{{1, "USD", "month"}}},
		{"Трек 15 руб. Альбом 150 руб.", []p{{15, "RUB", ""}, {150, "RUB", ""}}},
		{"Итого 1 000 руб.", []p{{1000, "RUB", ""}}},
		{"Total $1,000.50", []p{{1000.5, "USD", ""}}},
		{"стоимость 120 рублей за месяц", []p{{120, "RUB", "month"}}},
		{"15 RUB per song and $0.10 per track", []p{{15, "RUB", "track"}, {0.10, "USD", "track"}}},
		{"15 рубрик и 3 USDT", nil},
		{"no prices in 2024 with 320 kbps", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := crawler.FindPrices(tt.text, 10)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if math.Abs(g.Amount-w.amount) > 1e-9 || g.Currency != w.currency || g.Unit != w.unit {
					t.Errorf("price %d: got %v %s per %q, want %v %s per %q", i, g.Amount, g.Currency, g.Unit, w.amount, w.currency, w.unit)
				}
				if g.Snippet == "" {
					t.Errorf("price %d: got empty snippet", i)
				}
			}
		})
	}
}

func TestFindPricesCapAndSnippet(t *testing.T) {
	text := "Intro text that is long enough to be cut off before the price appears here: $0.15 per track, then more words after it that go on"
	got := crawler.FindPrices(text+" $1 $2 $3", 2)
	if len(got) != 2 {
		t.Fatalf("got %d prices, want 2 (the cap)", len(got))
	}
	sn := got[0].Snippet
	if !strings.Contains(sn, "appears here: $0.15 per track, then more") || len(sn) > len("$0.15")+120 {
		t.Errorf("got snippet %q (%d bytes), want the text around $0.15, at most 60 bytes either side", sn, len(sn))
	}
}
