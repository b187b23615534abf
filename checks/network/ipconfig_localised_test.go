package network

import (
	"reflect"
	"testing"
)

// Headers whose type words come first in other languages, WRITTEN FROM
// THE REAL FORMATS (see checks/dns/testdata/SOURCES.md for the full
// samples): the name is what follows the localised type words, and the
// address after the Spanish label with a colon of its own is read (the
// adapter has no other, so it would look disconnected otherwise).
const ipconfigLocalisedWritten = `
未知适配器 Clash:

   连接特定的 DNS 后缀 . . . . . . . :
   描述. . . . . . . . . . . . . . . : Clash Tunnel
   物理地址. . . . . . . . . . . . . :
   DHCP 已启用 . . . . . . . . . . . : 否
   自动配置已启用. . . . . . . . . . : 是
   IPv4 地址 . . . . . . . . . . . . : 198.18.0.1(首选)

Carte réseau sans fil Wi-Fi :

   Suffixe DNS propre à la connexion. . . : home
   Description. . . . . . . . . . . . . . : Intel(R) Wi-Fi 6 AX200 160MHz
   Adresse physique . . . . . . . . . . . : 50-E0-85-12-34-56
   DHCP activé. . . . . . . . . . . . . . : Oui
   Adresse IPv4. . . . . . . . . . . . . .: 192.168.1.42(préféré)

Adaptador de LAN inalámbrica Wi-Fi 2:

   Sufijo DNS específico para la conexión. . :
   Descripción . . . . . . . . . . . . . . . : Qualcomm Atheros QCA9377 Wireless Network Adapter
   Dirección física. . . . . . . . . . . . . : 9C-B6-D0-11-22-33
   DHCP habilitado . . . . . . . . . . . . . : sí
   Vínculo: dirección IPv6 local. . . : fe80::5d2c:8e1a:3b4f:6c7d%7(Preferido)
`

func TestParseIpconfigAllLocalisedHeaders(t *testing.T) {
	got := parseIpconfigAll(ipconfigLocalisedWritten)
	want := []adapterInfo{
		{"Clash", "未知适配器 Clash", "Clash Tunnel", "", false},
		{"Wi-Fi", "Carte réseau sans fil Wi-Fi", "Intel(R) Wi-Fi 6 AX200 160MHz", "50:e0:85:12:34:56", false},
		{"Wi-Fi 2", "Adaptador de LAN inalámbrica Wi-Fi 2", "Qualcomm Atheros QCA9377 Wireless Network Adapter", "9c:b6:d0:11:22:33", false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
}
