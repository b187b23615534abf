// Package fleet holds no code: it is the folder of the files that run wfh
// on a schedule for Prometheus (docs/fleet.md), and its tests run them in
// CI: the bash script with a fake wfh and with the real one in a network
// namespace with no route out, the systemd units through systemd-analyze,
// the alerting rules through promtool. The Windows task and the launchd
// jobs are only checked for their shape; nothing here can run them.
package fleet
