package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/internal/human"
	"github.com/wfh-cli/wfh/report/internal/look"
	"github.com/wfh-cli/wfh/report/summary"
)

// Rune budgets for one machine-provided string on the HTML page. The page
// wraps long words, so these only keep a runaway value (a 10 kB device name)
// from burying the verdicts; the JSON report keeps every byte.
const (
	htmlMaxTitle = 200  // check titles, ids, profile, time zone
	htmlMaxLabel = 200  // item labels, kinds, figure and series names
	htmlMaxValue = 1000 // figure values
	htmlMaxText  = 2000 // summaries, messages, fixes
)

// htmlCSP allows nothing but the page's own stylesheet, named by its hash:
// no script, no inline style attribute, no image, font or frame, no request
// of any kind. The page's charts are inline SVG elements, which need no
// source. frame-ancestors and sandbox are ignored in a <meta> policy, so
// they are not claimed here.
var htmlCSP = "default-src 'none'; style-src '" + htmlStyleHash() + "'; base-uri 'none'; form-action 'none'"

// htmlStyleHash is the CSP source for htmlStyle: the exact bytes between
// <style> and </style>.
func htmlStyleHash() string {
	sum := sha256.Sum256([]byte(htmlStyle))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// htmlTemplate is parsed once; html/template escapes every value for the
// context it lands in (text, attribute, URL), so machine strings can never
// become markup. The stylesheet is part of the trusted template text, which
// is what lets the CSP name it by hash.
var htmlTemplate = template.Must(template.New("report").Parse(htmlHead + htmlStyle + htmlBody))

// renderHTML writes the report as one self-contained page: inline CSS and
// SVG, no script, nothing loaded from anywhere.
func renderHTML(b *bytes.Buffer, r report.Report, o Options) error {
	// Non-finite figures become "not measured" here too, so a chart never
	// has to place NaN.
	r = sanitizeForJSON(r)
	return htmlTemplate.Execute(b, buildHTMLPage(r, o))
}

// htmlClean makes a machine-provided string one tidy line of at most max
// runes: line breaks become spaces, control and bidi runes and invalid
// UTF-8 become visible escapes (\x1b). html/template does the HTML escaping.
func htmlClean(s string, max int) string { return human.FlatClip(s, max) }

// htmlStatus is how a status looks on the page. Class is one of a fixed
// set, never the raw status, so a corrupt report cannot pick a class name.
type htmlStatus struct {
	Class, Mark, Word string
}

func htmlStatusOf(s report.Status) htmlStatus {
	lk := look.Of(s)
	class := "unknown"
	if s.Valid() {
		class = string(s)
	}
	return htmlStatus{Class: class, Mark: lk.Unicode, Word: lk.Word}
}

type htmlPage struct {
	CSP, Title  string
	Overall     htmlStatus
	Counts      string
	Meta        []string
	Profile     string
	Redacted    bool
	Interrupted bool
	Facts       []htmlFact
	Problems    []htmlProblem
	NotRun      []htmlProblem
	Checks      []htmlCheck
	Watch       *htmlWatch
	Footer      string
	Interrupt   string
}

// htmlFact is one row of the summary card. Status is nil when the row is
// not a check's verdict (the local time).
type htmlFact struct {
	Label, Value string
	Details      []string
	Status       *htmlStatus
	Anchor       string
}

// htmlProblem is a line of "What to fix" (or "Not run"), linked to its
// check's section.
type htmlProblem struct {
	Check, Anchor, Message, Fix string
	Status                      htmlStatus
}

type htmlCheck struct {
	Anchor, Title, ID, Took, Summary string
	Status                           htmlStatus
	Problems, Notes                  []htmlFinding
	Figures                          []figure
	Charts                           []htmlChart
	Bars                             *htmlBars
	Items                            []htmlItem
	ItemsTitle                       string
	ItemsOpen                        bool
}

type htmlFinding struct {
	Message, Fix string
	Status       htmlStatus
}

type htmlItem struct {
	Label, Kind, Summary string
	Status               htmlStatus
	Figures              []figure
}

func buildHTMLPage(r report.Report, o Options) htmlPage {
	overall := overallOf(r)
	p := htmlPage{
		CSP:         htmlCSP,
		Overall:     htmlStatusOf(overall),
		Counts:      countsPhrase(r),
		Profile:     htmlClean(r.Profile, htmlMaxTitle),
		Redacted:    redacted(r),
		Interrupted: r.Interrupted,
	}
	p.Interrupt = interruptedWords(r)
	p.Watch = buildHTMLWatch(r)
	p.Title = "wfh report: " + p.Overall.Word
	if r.Watch != nil {
		p.Title = "wfh watch: " + p.Overall.Word
	}
	if t, ok := look.LocalStart(r); ok {
		p.Title += " · " + t.Format("2006-01-02 15:04")
	}
	if when := look.When(r); len(when) > 0 {
		p.Meta = append(p.Meta, htmlClean(strings.Join(when, " "), htmlMaxTitle))
	}
	if d := formatSeconds(r.DurationSeconds); d != "" {
		p.Meta = append(p.Meta, "took "+d)
	}
	if oa := look.OSArch(r.Host); oa != "" {
		p.Meta = append(p.Meta, htmlClean(oa, htmlMaxLabel))
	}
	if r.Host.Hostname != "" {
		p.Meta = append(p.Meta, "hostname "+htmlClean(r.Host.Hostname, htmlMaxLabel))
	}
	if r.Host.User != "" {
		p.Meta = append(p.Meta, "user "+htmlClean(r.Host.User, htmlMaxLabel))
	}
	tool := htmlClean(toolPhrase(r.Tool), htmlMaxLabel)
	p.Footer = "Made by " + tool
	if r.SchemaVersion != "" {
		p.Footer += " · report schema " + htmlClean(r.SchemaVersion, htmlMaxLabel)
	}

	anchors := make([]string, len(r.Results))
	for i := range r.Results {
		// numbered, not named after the check id, which comes from the
		// report and may repeat or hold anything
		anchors[i] = "check-" + strconv.Itoa(i+1)
	}
	p.Facts = summaryFacts(r, anchors)
	p.Problems, p.NotRun = htmlProblems(r, anchors)
	for i, res := range r.Results {
		p.Checks = append(p.Checks, buildHTMLCheck(res, anchors[i], o))
	}
	return p
}

// htmlProblems is "What to fix" and "Not run" (summary.Problems), each line
// linked to its check's section.
func htmlProblems(r report.Report, anchors []string) (fix, notRun []htmlProblem) {
	conv := func(ps []summary.Problem) []htmlProblem {
		var out []htmlProblem
		for _, p := range ps {
			out = append(out, htmlProblem{Check: htmlClean(checkName(r.Results[p.Result]), htmlMaxTitle), Anchor: anchors[p.Result],
				Status: htmlStatusOf(p.Status), Message: htmlClean(p.Message, htmlMaxText), Fix: htmlClean(p.Fix, htmlMaxText)})
		}
		return out
	}
	f, n := summary.Problems(r)
	return conv(f), conv(n)
}

// checkName is a check's title, or its id when a report has no title.
func checkName(res report.Result) string {
	switch {
	case strings.TrimSpace(res.Title) != "":
		return res.Title
	case strings.TrimSpace(res.ID) != "":
		return res.ID
	default:
		return "(unnamed check)"
	}
}

func buildHTMLCheck(res report.Result, anchor string, o Options) htmlCheck {
	c := htmlCheck{
		Anchor:  anchor,
		Title:   htmlClean(checkName(res), htmlMaxTitle),
		Took:    formatSeconds(res.DurationSeconds),
		Summary: htmlClean(res.Summary, htmlMaxText),
		Status:  htmlStatusOf(res.Status),
	}
	if res.ID != "" && res.ID != res.Title {
		c.ID = htmlClean(res.ID, htmlMaxTitle)
	}
	for _, f := range res.Findings {
		hf := htmlFinding{Message: htmlClean(f.Message, htmlMaxText), Fix: htmlClean(f.Fix, htmlMaxText), Status: htmlStatusOf(f.Severity)}
		if look.IsProblem(f) {
			c.Problems = append(c.Problems, hf)
		} else {
			c.Notes = append(c.Notes, hf)
		}
	}
	c.Figures = cleanFigures(resultFigures(res, o.Verbose))
	c.Charts = seriesCharts(res.Series)
	c.Bars = idleLoadedBars(res.Metrics)

	for _, it := range shownItems(res) {
		c.Items = append(c.Items, htmlItem{
			Label:   htmlClean(look.ItemLabel(it), htmlMaxLabel),
			Kind:    htmlClean(it.Kind, htmlMaxLabel),
			Summary: htmlClean(it.Summary, htmlMaxText),
			Status:  htmlStatusOf(it.Status),
			Figures: htmlFigures(it.Metrics, it.Attributes),
		})
	}
	if len(res.Items) > 0 {
		var notPass int
		c.ItemsTitle, notPass = itemsTitle(res)
		// open where something needs a look; a long list of passing
		// targets stays folded so the next check is one scroll away
		c.ItemsOpen = o.Verbose || notPass > 0 || len(res.Items) <= 3
	}
	return c
}

func htmlFigures(metrics []report.Metric, facts map[string]string) []figure {
	return cleanFigures(figuresOf(metrics, facts))
}

// cleanFigures clips each figure's label and value for the page.
func cleanFigures(fs []figure) []figure {
	for i := range fs {
		fs[i] = figure{htmlClean(fs[i].label, htmlMaxLabel), htmlClean(fs[i].value, htmlMaxValue)}
	}
	return fs
}

// Label and Value let the template read a figure, whose fields are
// unexported because the other renderers only use them internally.
func (f figure) Label() string { return f.label }
func (f figure) Value() string { return f.value }

const htmlHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>`

const htmlBody = `</style>
</head>
<body>
<main>
<header class="card head v-{{.Overall.Class}}">
<div class="top"><h1>wfh report</h1><span class="badge big s-{{.Overall.Class}}">{{.Overall.Mark}} {{.Overall.Word}}</span></div>
<p class="counts">{{.Counts}}</p>
<p class="meta">{{range $i, $m := .Meta}}{{if $i}} · {{end}}{{$m}}{{end}}</p>
{{- if .Profile}}
<p class="meta">Profile: {{.Profile}}</p>
{{- end}}
{{- if .Interrupted}}
<p class="alert">{{.Interrupt}}</p>
{{- end}}
{{- if not .Redacted}}
<p class="alert">Private data is NOT redacted in this report: addresses and names appear as they are.</p>
{{- end}}
{{- if .Facts}}
<dl class="facts">
{{- range .Facts}}
<div class="fact"><dt>{{.Label}}</dt><dd>{{if .Status}}<a class="st s-{{.Status.Class}}" href="#{{.Anchor}}" title="{{.Status.Word}}">{{.Status.Mark}}<span class="word"> {{.Status.Word}}</span></a> {{end}}<span class="val">{{.Value}}</span>{{range .Details}}<span class="detail">{{.}}</span>{{end}}</dd></div>
{{- end}}
</dl>
{{- end}}
{{- if .Problems}}
<section class="fixes">
<h2>What to fix</h2>
<ol>
{{- range .Problems}}
<li><span class="badge s-{{.Status.Class}}">{{.Status.Mark}} {{.Status.Word}}</span> <a href="#{{.Anchor}}">{{.Check}}</a>: {{.Message}}{{if .Fix}}<p class="fix"><strong>Fix:</strong> {{.Fix}}</p>{{end}}</li>
{{- end}}
</ol>
</section>
{{- else if .Checks}}
<p class="allgood">Nothing to fix.</p>
{{- end}}
{{- if .NotRun}}
<section class="notrun">
<h2>Not run</h2>
<ul>
{{- range .NotRun}}
<li><a href="#{{.Anchor}}">{{.Check}}</a>{{if .Message}}: {{.Message}}{{end}}</li>
{{- end}}
</ul>
</section>
{{- end}}
</header>` + htmlWatchTemplate + `
{{- if .Checks}}
<section class="card">
<h2>All checks</h2>
<table class="overview">
<thead><tr><th scope="col">Check</th><th scope="col">Verdict</th><th scope="col">Summary</th><th scope="col" class="num">Time</th></tr></thead>
<tbody>
{{- range .Checks}}
<tr><td><a href="#{{.Anchor}}">{{.Title}}</a></td><td><span class="badge s-{{.Status.Class}}">{{.Status.Mark}} {{.Status.Word}}</span></td><td>{{.Summary}}</td><td class="num">{{.Took}}</td></tr>
{{- end}}
</tbody>
</table>
</section>
{{- else}}
<section class="card"><p>No checks ran.</p></section>
{{- end}}
{{- range .Checks}}
<section class="card check" id="{{.Anchor}}">
<h2><span class="badge s-{{.Status.Class}}">{{.Status.Mark}} {{.Status.Word}}</span> {{.Title}}{{if .ID}} <span class="id">{{.ID}}</span>{{end}}{{if .Took}} <span class="took">{{.Took}}</span>{{end}}</h2>
{{- if .Summary}}
<p class="summary">{{.Summary}}</p>
{{- end}}
{{- if .Problems}}
<ul class="findings">
{{- range .Problems}}
<li class="problem"><span class="badge s-{{.Status.Class}}">{{.Status.Mark}} {{.Status.Word}}</span> {{.Message}}{{if .Fix}}<p class="fix"><strong>Fix:</strong> {{.Fix}}</p>{{end}}</li>
{{- end}}
</ul>
{{- end}}
{{- if .Figures}}
<table class="figures">
{{- range .Figures}}
<tr><th scope="row">{{.Label}}</th><td>{{.Value}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- if .Notes}}
<ul class="notes">
{{- range .Notes}}
<li>Note: {{.Message}}{{if .Fix}} <span class="fix"><strong>Fix:</strong> {{.Fix}}</span>{{end}}</li>
{{- end}}
</ul>
{{- end}}
{{- with .Bars}}
<figure class="chart">
<svg viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="{{.Caption}}">
{{- range .Bars}}
<text class="bar-lbl" x="0" y="{{.TextY}}">{{.Label}}</text>
<rect class="bar {{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" rx="2"></rect>
<text class="bar-val" x="{{.ValueX}}" y="{{.TextY}}">{{.Value}}</text>
{{- end}}
</svg>
<figcaption>{{.Caption}}</figcaption>
</figure>
{{- end}}
{{- range .Charts}}
<figure class="chart">
<svg viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="{{.Caption}}">
{{- range .Grid}}
<line class="grid" x1="{{.X1}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y}}"></line>
<text class="axis" x="{{.LabelX}}" y="{{.LabelY}}" text-anchor="end">{{.Text}}</text>
{{- end}}
{{- range .XLabels}}
<text class="axis" x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
{{- range .Lines}}
<g class="{{.Class}}">
{{- range .Runs}}
<polyline class="line" points="{{.}}"></polyline>
{{- end}}
{{- range .Dots}}
<circle class="dot" cx="{{.X}}" cy="{{.Y}}" r="{{.R}}"></circle>
{{- end}}
{{- range .Lost}}
<path class="lost" d="{{.}}"></path>
{{- end}}
</g>
{{- end}}
{{- if .Empty}}
<text class="axis" x="{{.CenterX}}" y="{{.CenterY}}" text-anchor="middle">{{.Empty}}</text>
{{- end}}
</svg>
<figcaption><strong>{{.Title}}</strong>
{{- if gt (len .Lines) 1}}<span class="legend">{{range .Lines}}<span class="key"><span class="sw {{.Class}}"></span>{{.Name}}: {{.Stats}}</span>{{end}}</span>
{{- else}}{{range .Lines}}: {{.Stats}}{{end}}{{end}}
{{- if .HasLost}} <span class="lostkey">× lost sample</span>{{end}}{{if .Note}} <span class="note">{{.Note}}</span>{{end}}</figcaption>
</figure>
{{- end}}
{{- if .Items}}
<details class="items"{{if .ItemsOpen}} open{{end}}>
<summary>{{.ItemsTitle}}</summary>
<table class="items">
<thead><tr><th scope="col">Verdict</th><th scope="col">Item</th><th scope="col">Summary</th><th scope="col">Figures</th></tr></thead>
<tbody>
{{- range .Items}}
<tr><td><span class="badge s-{{.Status.Class}}">{{.Status.Mark}} {{.Status.Word}}</span></td><td class="label">{{.Label}}{{if .Kind}} <span class="kind">{{.Kind}}</span>{{end}}</td><td>{{.Summary}}</td><td>{{if .Figures}}<ul class="fig">{{range .Figures}}<li><span class="k">{{.Label}}:</span> {{.Value}}</li>{{end}}</ul>{{end}}</td></tr>
{{- end}}
</tbody>
</table>
</details>
{{- end}}
</section>
{{- end}}
<footer>{{.Footer}}. This page is self-contained: it loads nothing from the network and runs no script.</footer>
</main>
</body>
</html>
`

// htmlStyle is the page's whole stylesheet. Colours come in a light and a
// dark set, chosen by the reader's system setting; print uses the light set
// without backgrounds and unfolds every list.
const htmlStyle = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--link:#0969da;
--pass:#1a7f37;--pass-bg:#dafbe1;--warn:#9a6700;--warn-bg:#fff8c5;--fail:#cf222e;--fail-bg:#ffebe9;
--error:#8250df;--error-bg:#fbefff;--skipped:#59636e;--skipped-bg:#eaeef2;
--l0:#0969da;--l1:#bf3989;--l2:#1a7f37;--l3:#bc4c00;--l4:#8250df;--grid:#d1d9e0}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#9198a1;--border:#3d444d;--link:#4493f8;
--pass:#3fb950;--pass-bg:#12261e;--warn:#d29922;--warn-bg:#272115;--fail:#f85149;--fail-bg:#2d1517;
--error:#bc8cff;--error-bg:#231a35;--skipped:#9198a1;--skipped-bg:#21262d;
--l0:#4493f8;--l1:#db61a2;--l2:#3fb950;--l3:#f0883e;--l4:#a371f7;--grid:#3d444d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Helvetica,Arial,sans-serif;overflow-wrap:anywhere}
main{max-width:62rem;margin:0 auto;padding:1rem}
a{color:var(--link)}
h1{font-size:1.5rem;margin:0}
h2{font-size:1.15rem;margin:0 0 .5rem}
.card{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:1rem 1.25rem;margin:0 0 1rem}
.head{border-top:6px solid var(--border)}
.v-pass{border-top-color:var(--pass)}.v-warn{border-top-color:var(--warn)}.v-fail{border-top-color:var(--fail)}
.v-error,.v-unknown{border-top-color:var(--error)}.v-skipped{border-top-color:var(--skipped)}
.top{display:flex;align-items:center;gap:.75rem;flex-wrap:wrap}
.counts{font-size:1.05rem;margin:.5rem 0 .25rem}
.meta{color:var(--muted);margin:.25rem 0}
.alert{border-left:4px solid var(--fail);background:var(--fail-bg);padding:.4rem .75rem;margin:.5rem 0}
.badge{display:inline-block;padding:0 .45em;border-radius:1em;font-size:.8rem;font-weight:600;white-space:nowrap;border:1px solid currentColor;vertical-align:.1em}
.badge.big{font-size:1.1rem;padding:.1em .7em}
.s-pass{color:var(--pass);background:var(--pass-bg)}.s-warn{color:var(--warn);background:var(--warn-bg)}
.s-fail{color:var(--fail);background:var(--fail-bg)}.s-error,.s-unknown{color:var(--error);background:var(--error-bg)}
.s-skipped{color:var(--skipped);background:var(--skipped-bg)}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:.5rem 1rem;margin:1rem 0}
.fact{border:1px solid var(--border);border-radius:6px;padding:.4rem .6rem}
.fact dt{font-size:.8rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.fact dd{margin:0}
.fact .val{font-weight:600}
.st{display:inline-block;min-width:1.3em;text-align:center;border-radius:1em;text-decoration:none;font-weight:700;padding:0 .3em}
.st .word{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.detail{display:block;color:var(--muted);font-size:.9rem}
.fixes ol{padding-left:1.4rem;margin:.25rem 0}
.fixes li,.findings li{margin:.35rem 0}
.fix{margin:.15rem 0 0}
.allgood{color:var(--pass);font-weight:600}
.notrun ul{margin:.25rem 0;padding-left:1.4rem;color:var(--muted)}
.notrun h2,.fixes h2{margin-top:1rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid var(--border)}
thead th{font-size:.85rem;color:var(--muted)}
.num{text-align:right;white-space:nowrap}
.check h2 .id,.check h2 .took{font-size:.85rem;font-weight:400;color:var(--muted)}
.check h2 .took{float:right}
.check .summary{margin:.25rem 0 .5rem}
.findings,.notes{padding-left:1.2rem}
.notes{color:var(--muted)}
.figures{width:auto;min-width:50%;margin:.5rem 0}
.figures th{font-weight:400;color:var(--muted);padding-right:1.5rem}
.kind{color:var(--muted);font-size:.85rem}
.items td.label{font-weight:600}
ul.fig{list-style:none;margin:0;padding:0;font-size:.9rem}
ul.fig .k{color:var(--muted)}
details.items{margin:.75rem 0 0}
details.items>summary{cursor:pointer;font-weight:600}
.chart{margin:.75rem 0}
.chart svg{display:block;width:100%;height:auto;max-height:16rem}
.chart figcaption{font-size:.85rem;color:var(--muted)}
.grid{stroke:var(--grid);stroke-width:1}
.axis{font-size:11px;fill:var(--muted)}
.bar-lbl,.bar-val{font-size:12px;fill:var(--fg)}
.line{fill:none;stroke-width:2;stroke-linejoin:round}
.dot{stroke:none}
.lost{fill:none;stroke-width:2}
.l0{stroke:var(--l0);fill:var(--l0);background:var(--l0)}.l1{stroke:var(--l1);fill:var(--l1);background:var(--l1)}
.l2{stroke:var(--l2);fill:var(--l2);background:var(--l2)}.l3{stroke:var(--l3);fill:var(--l3);background:var(--l3)}
.l4{stroke:var(--l4);fill:var(--l4);background:var(--l4)}
g.l0,g.l1,g.l2,g.l3,g.l4{fill:none}
g .dot{fill:inherit}
g.l0 .dot{fill:var(--l0)}g.l1 .dot{fill:var(--l1)}g.l2 .dot{fill:var(--l2)}g.l3 .dot{fill:var(--l3)}g.l4 .dot{fill:var(--l4)}
.bar{stroke:none}.bar.idle{fill:var(--pass)}.bar.loaded{fill:var(--warn)}
.legend{display:block}
.key{display:inline-block;margin-right:1rem}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;vertical-align:-.05em}
footer{color:var(--muted);font-size:.85rem;text-align:center;padding:.5rem 0 2rem}
` + htmlWatchStyle + `
@media print{
:root{--bg:#fff;--card:#fff;--fg:#000;--muted:#444;--border:#999;--link:#000;--pass-bg:#fff;--warn-bg:#fff;--fail-bg:#fff;--error-bg:#fff;--skipped-bg:#fff}
body{font-size:11pt}
main{max-width:none;padding:0}
.card{border:none;border-bottom:1px solid #999;border-radius:0;padding:.5rem 0;break-inside:avoid-page}
.check{break-inside:auto}
a{text-decoration:none}
.chart,tr,.fact{break-inside:avoid}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}
details.items::details-content{content-visibility:visible;display:contents}
details.items>summary{list-style:none}
}
`
