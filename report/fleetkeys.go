package report

// Figures the Prometheus metrics (report/render, docs/fleet.md) read besides
// the summary's key figures (keys.go, which holds only the summary's): the
// check named beside each publishes it under this name.
// TestPrometheusFiguresArePublished in report/render fails when a check
// stops publishing one of them.
const (
	// latency
	KeyMOS          = "mos"           // metric: the E-model's estimated mean opinion score, 1 to 4.5
	KeyLossLocation = "loss_location" // fact: none, home, provider, beyond, past_router, uncertain

	// bandwidth: the speed-test server's median round trip while the line
	// downloads, and while it uploads
	KeyLoadedLatencyDownloadMs = "loaded_latency_download_ms" // metric, ms
	KeyLoadedLatencyUploadMs   = "loaded_latency_upload_ms"   // metric, ms

	// dns: one item of kind ItemKindResolver per DNS server tested, with
	// the server's role (AttrResolverRole) and its median answer time
	// (KeyResolverMedianMs); its label is the server's address, which the
	// metrics never use.
	ItemKindResolver    = "resolver"
	AttrResolverRole    = "role"      // system, local_stub, per_domain, fallback, public_comparison
	KeyResolverMedianMs = "median_ms" // item metric, ms
)
