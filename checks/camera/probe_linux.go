package camera

// newProbe picks the Linux probe. Its logic lives in linuxprobe.go, without
// an OS suffix, so that its fixture tests run on every OS; only the ioctl,
// stat and identity calls are Linux's own.
func newProbe() probe {
	return linuxProbe{querycap: queryCapIoctl, stat: statNode, ident: currentIdentity}
}
