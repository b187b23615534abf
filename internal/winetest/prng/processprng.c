/*
 * bcryptprimitives.dll for Wine 8.0, which lacks it: Go 1.22 and later
 * read every random byte through ProcessPrng and die at start without it
 * ("fatal error: bcryptprimitives.dll not found"). This DLL exports
 * ProcessPrng on top of RtlGenRandom (advapi32's SystemFunction036), which
 * Wine has. It is test infrastructure only: internal/winetest builds it
 * with mingw into a Wine prefix's system32; it never ships.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -s -o bcryptprimitives.dll \
 *          processprng.c processprng.def -ladvapi32
 */
#include <windows.h>

/* RtlGenRandom is exported by name as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/*
 * ProcessPrng fills data with len random bytes and always returns TRUE, as
 * Microsoft documents it (it never fails). RtlGenRandom takes a ULONG, so
 * larger requests go in chunks.
 */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
