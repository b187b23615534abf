<#
.SYNOPSIS
  Registers two scheduled tasks that run wfh and leave its metrics where
  windows_exporter's textfile collector reads them (docs/fleet.md).

.DESCRIPTION
  "wfh quick" runs every hour: wfh doctor --quick (no speed test) into
  wfh-quick.prom. "wfh full" runs once a day at 10:00: the full run, with
  the speed test, into wfh-full.prom. Both run as SYSTEM, so they need no
  logged-on user; a system task sees no user's microphone, speakers or
  camera, so those checks are left out. wfh writes each file atomically.
  Unlike the Linux script, nothing stops the daily run from overlapping an
  hourly one: the hourly run's latency figures may then show the speed
  test's load, once a day.

  This script ships with wfh but is NOT executed by wfh's CI (there is no
  Windows machine there); the Linux timer in contrib/fleet/systemd is the
  tested version of the same schedule. Try it on one machine first.

.PARAMETER Wfh
  Path of wfh.exe.

.PARAMETER TextfileDir
  windows_exporter's --collector.textfile.directories (its default below).

.PARAMETER WfhProfile
  The organisation profile: a file or IT's https:// address. Stored as the
  machine-wide environment variable WFH_PROFILE, which wfh reads when
  --profile is not given.

.EXAMPLE
  .\Register-WfhTasks.ps1 -Wfh 'C:\Program Files\wfh\wfh.exe' -WfhProfile 'https://it.acme.example/wfh/acme.yaml'
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory = $true)][string]$Wfh,
  [string]$TextfileDir = 'C:\Program Files\windows_exporter\textfile_inputs',
  [string]$WfhProfile = ''
)
$ErrorActionPreference = 'Stop'

if (-not (Test-Path -LiteralPath $Wfh -PathType Leaf)) { throw "wfh not found at $Wfh" }
New-Item -ItemType Directory -Force -Path $TextfileDir | Out-Null
if ($WfhProfile -ne '') {
  [Environment]::SetEnvironmentVariable('WFH_PROFILE', $WfhProfile, 'Machine')
}

$principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
# A run that outlasts its slot is stopped; wfh exits 130 and keeps what it measured.
$quickSettings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 5) -MultipleInstances IgnoreNew
$fullSettings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 20) -MultipleInstances IgnoreNew

function New-WfhAction([string[]]$Extra, [string]$File) {
  $out = Join-Path $TextfileDir $File
  $argList = @('doctor') + $Extra + @('--format', 'prometheus', '--output', "`"$out`"", '--skip', 'audio,camera')
  New-ScheduledTaskAction -Execute $Wfh -Argument ($argList -join ' ')
}

# Every hour, from now on, with up to 20 minutes of random delay so that a
# fleet does not reach the same servers at once.
# (Some Windows versions refuse a repetition without an end: ten years it is.)
$hourly = New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Hours 1) `
  -RepetitionDuration (New-TimeSpan -Days 3650) -RandomDelay (New-TimeSpan -Minutes 20)
# Once a day during the working day, spread over three hours.
$daily = New-ScheduledTaskTrigger -Daily -At '10:00' -RandomDelay (New-TimeSpan -Hours 3)

Register-ScheduledTask -TaskName 'wfh quick' -Description 'wfh doctor --quick, metrics for windows_exporter (docs/fleet.md)' `
  -Action (New-WfhAction @('--quick') 'wfh-quick.prom') -Trigger $hourly -Principal $principal -Settings $quickSettings -Force | Out-Null
Register-ScheduledTask -TaskName 'wfh full' -Description 'wfh doctor with the speed test, metrics for windows_exporter (docs/fleet.md)' `
  -Action (New-WfhAction @() 'wfh-full.prom') -Trigger $daily -Principal $principal -Settings $fullSettings -Force | Out-Null

Write-Output "Registered 'wfh quick' (hourly) and 'wfh full' (daily); metrics go to $TextfileDir."
Write-Output "Exit codes 0 and 1 are normal (1: a check failed, which the metrics show); see docs/exit-codes.md."
