package simweb

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// album is a release in the Western catalogue that stores and decoys sell, play or discuss.
type album struct {
	artist, title string
	year          int
	genre         string
}

var catalog = []album{
	{"The Beatles", "Abbey Road", 1969, "rock"}, {"The Beatles", "Revolver", 1966, "rock"}, {"The Beatles", "Let It Be", 1970, "rock"},
	{"Pink Floyd", "The Dark Side of the Moon", 1973, "rock"}, {"Pink Floyd", "The Wall", 1979, "rock"}, {"Pink Floyd", "Wish You Were Here", 1975, "rock"},
	{"Queen", "A Night at the Opera", 1975, "rock"}, {"Queen", "The Game", 1980, "rock"},
	{"Madonna", "Confessions on a Dance Floor", 2005, "pop"}, {"Madonna", "Ray of Light", 1998, "pop"}, {"Madonna", "Hard Candy", 2008, "pop"},
	{"U2", "The Joshua Tree", 1987, "rock"}, {"U2", "Achtung Baby", 1991, "rock"}, {"U2", "How to Dismantle an Atomic Bomb", 2004, "rock"},
	{"Metallica", "Metallica", 1991, "metal"}, {"Metallica", "Master of Puppets", 1986, "metal"}, {"Metallica", "Death Magnetic", 2008, "metal"},
	{"Coldplay", "A Rush of Blood to the Head", 2002, "alternative"}, {"Coldplay", "X&Y", 2005, "alternative"}, {"Coldplay", "Viva la Vida", 2008, "alternative"},
	{"Radiohead", "OK Computer", 1997, "alternative"}, {"Radiohead", "Kid A", 2000, "alternative"}, {"Radiohead", "In Rainbows", 2007, "alternative"},
	{"Nirvana", "Nevermind", 1991, "rock"}, {"Nirvana", "In Utero", 1993, "rock"},
	{"Red Hot Chili Peppers", "Californication", 1999, "rock"}, {"Red Hot Chili Peppers", "By the Way", 2002, "rock"}, {"Red Hot Chili Peppers", "Stadium Arcadium", 2006, "rock"},
	{"Linkin Park", "Hybrid Theory", 2000, "alternative"}, {"Linkin Park", "Meteora", 2003, "alternative"}, {"Linkin Park", "Minutes to Midnight", 2007, "alternative"},
	{"Eminem", "The Marshall Mathers LP", 2000, "hip-hop"}, {"Eminem", "The Eminem Show", 2002, "hip-hop"}, {"Eminem", "Relapse", 2009, "hip-hop"},
	{"Depeche Mode", "Violator", 1990, "electronic"}, {"Depeche Mode", "Playing the Angel", 2005, "electronic"}, {"Depeche Mode", "Sounds of the Universe", 2009, "electronic"},
	{"Michael Jackson", "Thriller", 1982, "pop"}, {"Michael Jackson", "Bad", 1987, "pop"}, {"Michael Jackson", "Dangerous", 1991, "pop"},
	{"Britney Spears", "Blackout", 2007, "pop"}, {"Britney Spears", "Circus", 2008, "pop"},
	{"Justin Timberlake", "FutureSex/LoveSounds", 2006, "pop"}, {"Rihanna", "Good Girl Gone Bad", 2007, "r&b"}, {"Rihanna", "Rated R", 2009, "r&b"},
	{"Beyonce", "I Am... Sasha Fierce", 2008, "r&b"}, {"Beyonce", "B'Day", 2006, "r&b"},
	{"Kanye West", "Graduation", 2007, "hip-hop"}, {"Kanye West", "808s & Heartbreak", 2008, "hip-hop"},
	{"Amy Winehouse", "Back to Black", 2006, "soul"}, {"Amy Winehouse", "Frank", 2003, "soul"},
	{"Arctic Monkeys", "Favourite Worst Nightmare", 2007, "alternative"}, {"The Killers", "Hot Fuss", 2004, "alternative"}, {"The Killers", "Sam's Town", 2006, "alternative"},
	{"Green Day", "American Idiot", 2004, "rock"}, {"Green Day", "21st Century Breakdown", 2009, "rock"},
	{"Muse", "Black Holes and Revelations", 2006, "alternative"}, {"Muse", "The Resistance", 2009, "alternative"},
	{"AC/DC", "Back in Black", 1980, "rock"}, {"AC/DC", "Black Ice", 2008, "rock"},
	{"Led Zeppelin", "Led Zeppelin IV", 1971, "rock"}, {"Led Zeppelin", "Physical Graffiti", 1975, "rock"},
	{"The Rolling Stones", "Sticky Fingers", 1971, "rock"}, {"The Rolling Stones", "A Bigger Bang", 2005, "rock"},
	{"David Bowie", "Heroes", 1977, "rock"}, {"Moby", "Play", 1999, "electronic"}, {"Moby", "18", 2002, "electronic"},
	{"The Prodigy", "The Fat of the Land", 1997, "electronic"}, {"The Prodigy", "Invaders Must Die", 2009, "electronic"},
	{"Daft Punk", "Discovery", 2001, "electronic"}, {"Daft Punk", "Homework", 1997, "electronic"}, {"Massive Attack", "Mezzanine", 1998, "electronic"},
	{"Norah Jones", "Come Away with Me", 2002, "jazz"}, {"Norah Jones", "Feels Like Home", 2004, "jazz"},
	{"Shakira", "Laundry Service", 2001, "pop"}, {"Shakira", "Oral Fixation Vol. 2", 2005, "pop"}, {"Nelly Furtado", "Loose", 2006, "pop"},
	{"Gorillaz", "Demon Days", 2005, "alternative"}, {"Gorillaz", "Plastic Beach", 2010, "alternative"},
	{"Oasis", "Dig Out Your Soul", 2008, "rock"}, {"Bon Jovi", "Slippery When Wet", 1986, "rock"}, {"Bon Jovi", "Lost Highway", 2007, "rock"},
	{"Iron Maiden", "The Number of the Beast", 1982, "metal"}, {"Iron Maiden", "A Matter of Life and Death", 2006, "metal"},
	{"Scorpions", "Crazy World", 1990, "rock"}, {"Scorpions", "Humanity: Hour I", 2007, "rock"},
	{"ABBA", "Arrival", 1976, "pop"}, {"ABBA", "Gold: Greatest Hits", 1992, "pop"}, {"Enigma", "MCMXC a.D.", 1990, "electronic"},
	{"Sting", "Brand New Day", 1999, "pop"}, {"Elton John", "Goodbye Yellow Brick Road", 1973, "pop"},
	{"Lady Gaga", "The Fame", 2008, "pop"}, {"Lady Gaga", "The Fame Monster", 2009, "pop"},
	{"Black Eyed Peas", "Elephunk", 2003, "hip-hop"}, {"Black Eyed Peas", "The E.N.D.", 2009, "hip-hop"},
	{"Kings of Leon", "Only by the Night", 2008, "rock"}, {"Franz Ferdinand", "Franz Ferdinand", 2004, "alternative"},
	{"Placebo", "Meds", 2006, "alternative"}, {"Rammstein", "Mutter", 2001, "metal"}, {"Rammstein", "Reise, Reise", 2004, "metal"},
	{"Evanescence", "Fallen", 2003, "rock"}, {"The White Stripes", "Elephant", 2003, "rock"}, {"Adele", "19", 2008, "pop"},
}

// ruArtists are Russian-language performers for Russian radio, streaming and free-download pages.
var ruArtists = []person{{"Zemfira", "Земфира"}, {"Splean", "Сплин"}, {"Kino", "Кино"}, {"Leningrad", "Ленинград"},
	{"Mumiy Troll", "Мумий Тролль"}, {"DDT", "ДДТ"}, {"Bi-2", "Би-2"}, {"Zveri", "Звери"}, {"Basta", "Баста"},
	{"Ruki Vverh", "Руки Вверх"}, {"Alla Pugacheva", "Алла Пугачёва"}, {"Valery Meladze", "Валерий Меладзе"},
	{"Serebro", "Серебро"}, {"Aria", "Ария"}, {"Korol i Shut", "Король и Шут"}, {"Nautilus Pompilius", "Наутилус Помпилиус"},
	{"Agata Kristi", "Агата Кристи"}, {"Chaif", "Чайф"}, {"Lyube", "Любэ"}, {"Vopli Vidoplyasova", "Воплі Відоплясова"}}

var genreNames = map[string][2]string{
	"rock": {"Rock", "Рок"}, "pop": {"Pop", "Поп"}, "metal": {"Metal", "Метал"}, "alternative": {"Alternative", "Альтернатива"},
	"hip-hop": {"Hip-Hop", "Хип-хоп"}, "electronic": {"Electronic", "Электроника"}, "r&b": {"R&B", "R&B"},
	"soul": {"Soul", "Соул"}, "jazz": {"Jazz", "Джаз"},
}

var genreOrder = []string{"rock", "pop", "metal", "alternative", "hip-hop", "electronic", "r&b", "soul", "jazz"}

var titleA = []string{"Silver", "Broken", "Midnight", "Electric", "Golden", "Lonely", "Burning", "Falling", "Hidden",
	"Summer", "Paper", "Wild", "Empty", "Crystal", "Distant", "Neon", "Secret", "Little", "Heavy", "Velvet", "Northern"}
var titleB = []string{"Rain", "Heart", "Lights", "Road", "Dreams", "Fire", "Letters", "Skies", "Streets", "Mirror",
	"Home", "Night", "River", "Stars", "Echoes", "Window", "Promise", "Ocean", "Machine", "Garden", "Shadows"}
var titlePattern = []string{"%s %s", "%s %s", "The %s %s", "%s %s (Remix)", "%s %s", "Into the %[2]s", "%[2]s of %[1]s", "%s %s Pt. 2"}

// trackTitle makes a plausible song title.
func trackTitle(r *rand.Rand) string {
	return fmt.Sprintf(pick(r, titlePattern), pick(r, titleA), pick(r, titleB))
}

var ruTitleA = []string{"Серебряный", "Ночной", "Летний", "Последний", "Белый", "Тихий", "Далёкий", "Осенний", "Звёздный", "Старый"}
var ruTitleB = []string{"дождь", "город", "ветер", "берег", "свет", "сон", "романс", "вокзал", "рассвет", "трамвай"}

// trackTitleRU makes a plausible Russian song title.
func trackTitleRU(r *rand.Rand) string { return pick(r, ruTitleA) + " " + pick(r, ruTitleB) }

// track is one song on an album page.
type track struct {
	title string
	secs  int
}

// albumTracks returns the stable track list of catalogue album a.
func albumTracks(a int) []track {
	r := rand.New(rand.NewPCG(uint64(a), 0x616c62756d))
	n := 8 + r.IntN(7)
	out := make([]track, n)
	for i := range out {
		out[i] = track{trackTitle(r), 150 + r.IntN(240)}
	}
	return out
}

// albumID is the store-specific numeric ID of catalogue album a.
func albumID(site, a int) int { return 1000 + (a*7919+site*104729)%98000 }

// sizeMB is the size of secs seconds of audio at kbps.
func sizeMB(secs, kbps int) float64 { return float64(secs*kbps) / 8 / 1024 }

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func mmss(secs int) string { return fmt.Sprintf("%d:%02d", secs/60, secs%60) }

// money writes an amount in a currency as a site in language ru (or not) would.
func money(cur string, v float64, ru bool) string {
	whole := v == math.Trunc(v)
	num := func(dec string) string {
		var s string
		if whole && v >= 1 {
			s = fmt.Sprintf("%.0f", v)
		} else {
			s = fmt.Sprintf("%.2f", v)
		}
		if dec == "," {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	switch cur {
	case "USD":
		return "$" + num(".")
	case "EUR":
		return "€" + num(".")
	case "GBP":
		return "£" + num(".")
	case "RUB":
		if ru {
			return num(",") + " руб."
		}
		return num(".") + " RUB"
	case "UAH":
		if ru {
			return num(",") + " грн"
		}
		return num(".") + " UAH"
	case "KZT":
		if ru {
			return num(",") + " тг"
		}
		return num(".") + " KZT"
	case "BYN":
		if ru {
			return num(",") + " бел. руб."
		}
		return num(".") + " BYN"
	}
	return num(".")
}

// perUSD converts a dollar amount into currency cur at rough rates, rounded for display.
func perUSD(cur string, usd float64) float64 {
	rate := map[string]float64{"USD": 1, "EUR": 0.9, "GBP": 0.8, "RUB": 30, "UAH": 8, "KZT": 150, "BYN": 2.5}[cur]
	v := usd * rate
	switch {
	case v >= 100:
		return math.Round(v/10) * 10
	case v >= 10:
		return math.Round(v)
	}
	return math.Round(v*100) / 100
}
