/* IVMVirtualServer members vsdisk does not implement: one line each, in vtable order.
 * Everything outside the virtual hard disk API (virtual machines, networks, VMRC, scripts,
 * configuration, security, host information) returns E_NOTIMPL saying that
 * vsdisk implements the disk API only; the disk members not written yet say so. Out
 * parameters are cleared. */
#include <windows.h>
#include <ole2.h>
#include <string.h>

#include "vsdisk.h"
#include "com_object.h"
#include "server_unimplemented.h"

/* The stubs ignore their arguments by design. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

static HRESULT outside(const WCHAR *member)
{
    return error_set(E_NOTIMPL, &IID_IVMVirtualServer,
                     L"IVMVirtualServer.%ls is not implemented: vsdisk implements Virtual Server's virtual hard disk API only.",
                     member);
}

static HRESULT outside_ptr(const WCHAR *member, void **out)
{
    if (out)
        *out = NULL;
    return outside(member);
}

static HRESULT outside_value(const WCHAR *member, void *out, size_t size)
{
    if (out)
        memset(out, 0, size);
    return outside(member);
}

static HRESULT outside_variant(const WCHAR *member, VARIANT *out)
{
    if (out)
        VariantInit(out);
    return outside(member);
}

/* A decision, not a gap: host-drive disks pass a physical drive through to a guest, which
 * needs Virtual Server itself. */
static HRESULT no_host_drive_disks(void **out)
{
    if (out)
        *out = NULL;
    return error_set(E_NOTIMPL, &IID_IVMVirtualServer,
                     L"IVMVirtualServer.CreateHostDriveVirtualHardDisk is not implemented: vsdisk makes no host-drive disks (they link a physical drive of a running Virtual Server host); it implements Virtual Server's virtual hard disk API for image files only.");
}

HRESULT WINAPI server_get_HostInfo(IVsDiskVirtualServer *iface, IVMHostInfo **hostInfo) { return outside_ptr(L"HostInfo", (void **)hostInfo); }
HRESULT WINAPI server_QueryLocale(IVsDiskVirtualServer *iface, BSTR inLanguage, ULONG *outLocale) { return outside_value(L"QueryLocale", outLocale, sizeof(*outLocale)); }
HRESULT WINAPI server_get_DefaultLocale(IVsDiskVirtualServer *iface, ULONG *defaultLocale) { return outside_value(L"DefaultLocale", defaultLocale, sizeof(*defaultLocale)); }
HRESULT WINAPI server_put_Locale(IVsDiskVirtualServer *iface, ULONG locale) { return outside(L"Locale"); }
HRESULT WINAPI server_FindVirtualMachine(IVsDiskVirtualServer *iface, BSTR configurationName, IVMVirtualMachine **findVirtualMachine) { return outside_ptr(L"FindVirtualMachine", (void **)findVirtualMachine); }
HRESULT WINAPI server_CreateVirtualMachine(IVsDiskVirtualServer *iface, BSTR configurationName, BSTR configurationPath, IVMVirtualMachine **createVirtualMachine) { return outside_ptr(L"CreateVirtualMachine", (void **)createVirtualMachine); }
HRESULT WINAPI server_DeleteVirtualMachine(IVsDiskVirtualServer *iface, IVMVirtualMachine *VirtualMachine) { return outside_value(L"DeleteVirtualMachine", VirtualMachine, sizeof(*VirtualMachine)); }
HRESULT WINAPI server_RegisterVirtualMachine(IVsDiskVirtualServer *iface, BSTR configurationName, BSTR configurationPath, IVMVirtualMachine **registerVirtualMachine) { return outside_ptr(L"RegisterVirtualMachine", (void **)registerVirtualMachine); }
HRESULT WINAPI server_UnregisterVirtualMachine(IVsDiskVirtualServer *iface, IVMVirtualMachine *VirtualMachine) { return outside_value(L"UnregisterVirtualMachine", VirtualMachine, sizeof(*VirtualMachine)); }
HRESULT WINAPI server_get_VirtualMachines(IVsDiskVirtualServer *iface, IVMVirtualMachineCollection **virtualMachines) { return outside_ptr(L"VirtualMachines", (void **)virtualMachines); }
HRESULT WINAPI server_FindVirtualNetwork(IVsDiskVirtualServer *iface, BSTR virtualNetworkName, IVMVirtualNetwork **findVirtualNetwork) { return outside_ptr(L"FindVirtualNetwork", (void **)findVirtualNetwork); }
HRESULT WINAPI server_CreateVirtualNetwork(IVsDiskVirtualServer *iface, BSTR virtualNetworkName, BSTR virtualNetworkPath, IVMVirtualNetwork **createVirtualNetwork) { return outside_ptr(L"CreateVirtualNetwork", (void **)createVirtualNetwork); }
HRESULT WINAPI server_DeleteVirtualNetwork(IVsDiskVirtualServer *iface, IVMVirtualNetwork *virtualNetwork) { return outside_value(L"DeleteVirtualNetwork", virtualNetwork, sizeof(*virtualNetwork)); }
HRESULT WINAPI server_RegisterVirtualNetwork(IVsDiskVirtualServer *iface, BSTR configurationName, BSTR configurationPath, IVMVirtualNetwork **registerVirtualNetwork) { return outside_ptr(L"RegisterVirtualNetwork", (void **)registerVirtualNetwork); }
HRESULT WINAPI server_UnregisterVirtualNetwork(IVsDiskVirtualServer *iface, IVMVirtualNetwork *virtualNetwork) { return outside_value(L"UnregisterVirtualNetwork", virtualNetwork, sizeof(*virtualNetwork)); }
HRESULT WINAPI server_get_VirtualNetworks(IVsDiskVirtualServer *iface, IVMVirtualNetworkCollection **virtualNetworks) { return outside_ptr(L"VirtualNetworks", (void **)virtualNetworks); }
HRESULT WINAPI server_get_UnconnectedNetworkAdapters(IVsDiskVirtualServer *iface, IVMNetworkAdapterCollection **unconnectedNetworkAdapters) { return outside_ptr(L"UnconnectedNetworkAdapters", (void **)unconnectedNetworkAdapters); }
HRESULT WINAPI server_get_SupportDrivers(IVsDiskVirtualServer *iface, IVMSupportDriverCollection **supportDrivers) { return outside_ptr(L"SupportDrivers", (void **)supportDrivers); }
HRESULT WINAPI server_CreateHostDriveVirtualHardDisk(IVsDiskVirtualServer *iface, BSTR imagePath, BSTR HostDriveIdentifier, VARIANT_BOOL reserved, IVMTask **diskTask) { return no_host_drive_disks((void **)diskTask); }
HRESULT WINAPI server_get_VSScriptsEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVSScriptsEnabled) { return outside_value(L"VSScriptsEnabled", outVSScriptsEnabled, sizeof(*outVSScriptsEnabled)); }
HRESULT WINAPI server_put_VSScriptsEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnabled) { return outside(L"VSScriptsEnabled"); }
HRESULT WINAPI server_get_VMScriptsEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVMScriptsEnabled) { return outside_value(L"VMScriptsEnabled", outVMScriptsEnabled, sizeof(*outVMScriptsEnabled)); }
HRESULT WINAPI server_put_VMScriptsEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnabled) { return outside(L"VMScriptsEnabled"); }
HRESULT WINAPI server_AttachScriptToEvent(IVsDiskVirtualServer *iface, VMEventType inEventType, BSTR inCommandLine) { return outside(L"AttachScriptToEvent"); }
HRESULT WINAPI server_RemoveScriptFromEvent(IVsDiskVirtualServer *iface, VMEventType inEventType) { return outside(L"RemoveScriptFromEvent"); }
HRESULT WINAPI server_FetchScriptByEvent(IVsDiskVirtualServer *iface, VMEventType inEventType, BSTR *fetchScriptByEvent) { return outside_value(L"FetchScriptByEvent", fetchScriptByEvent, sizeof(*fetchScriptByEvent)); }
HRESULT WINAPI server_GetConfigurationValue(IVsDiskVirtualServer *iface, BSTR preferenceKey, VARIANT *getConfigurationValue) { return outside_variant(L"GetConfigurationValue", getConfigurationValue); }
HRESULT WINAPI server_SetConfigurationValue(IVsDiskVirtualServer *iface, BSTR preferenceKey, VARIANT preferenceValue) { return outside(L"SetConfigurationValue"); }
HRESULT WINAPI server_RemoveConfigurationValue(IVsDiskVirtualServer *iface, BSTR preferenceKey) { return outside(L"RemoveConfigurationValue"); }
HRESULT WINAPI server_VMRCCreateEncryptionCertificateRequest(IVsDiskVirtualServer *iface, BSTR distinguishedName, LONG keyLength, BSTR *outVMRCCreateEncryptionCertificateRequest) { return outside_value(L"VMRCCreateEncryptionCertificateRequest", outVMRCCreateEncryptionCertificateRequest, sizeof(*outVMRCCreateEncryptionCertificateRequest)); }
HRESULT WINAPI server_get_VMRCEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVMRCEnabled) { return outside_value(L"VMRCEnabled", outVMRCEnabled, sizeof(*outVMRCEnabled)); }
HRESULT WINAPI server_put_VMRCEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnabled) { return outside(L"VMRCEnabled"); }
HRESULT WINAPI server_get_VMRCAdminAddress(IVsDiskVirtualServer *iface, BSTR *outVMRCAdminAddress) { return outside_value(L"VMRCAdminAddress", outVMRCAdminAddress, sizeof(*outVMRCAdminAddress)); }
HRESULT WINAPI server_put_VMRCAdminAddress(IVsDiskVirtualServer *iface, BSTR VMRCAdminAddress) { return outside(L"VMRCAdminAddress"); }
HRESULT WINAPI server_get_VMRCAdminPortNumber(IVsDiskVirtualServer *iface, LONG *outVMRCAdminPortNumber) { return outside_value(L"VMRCAdminPortNumber", outVMRCAdminPortNumber, sizeof(*outVMRCAdminPortNumber)); }
HRESULT WINAPI server_put_VMRCAdminPortNumber(IVsDiskVirtualServer *iface, LONG VMRCAdminPortNumber) { return outside(L"VMRCAdminPortNumber"); }
HRESULT WINAPI server_get_VMRCXResolution(IVsDiskVirtualServer *iface, LONG *outVMRCXResolution) { return outside_value(L"VMRCXResolution", outVMRCXResolution, sizeof(*outVMRCXResolution)); }
HRESULT WINAPI server_put_VMRCXResolution(IVsDiskVirtualServer *iface, LONG VMRCXResolution) { return outside(L"VMRCXResolution"); }
HRESULT WINAPI server_get_VMRCYResolution(IVsDiskVirtualServer *iface, LONG *outVMRCYResolution) { return outside_value(L"VMRCYResolution", outVMRCYResolution, sizeof(*outVMRCYResolution)); }
HRESULT WINAPI server_put_VMRCYResolution(IVsDiskVirtualServer *iface, LONG VMRCYResolution) { return outside(L"VMRCYResolution"); }
HRESULT WINAPI server_get_VMRCEncryptionEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVMRCEncryptionEnabled) { return outside_value(L"VMRCEncryptionEnabled", outVMRCEncryptionEnabled, sizeof(*outVMRCEncryptionEnabled)); }
HRESULT WINAPI server_put_VMRCEncryptionEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnable) { return outside(L"VMRCEncryptionEnabled"); }
HRESULT WINAPI server_get_VMRCAuthenticator(IVsDiskVirtualServer *iface, IVMRCAuthenticator **outVMRCAuthenticator) { return outside_ptr(L"VMRCAuthenticator", (void **)outVMRCAuthenticator); }
HRESULT WINAPI server_put_VMRCAuthenticator(IVsDiskVirtualServer *iface, IVMRCAuthenticator *authenticator) { return outside(L"VMRCAuthenticator"); }
HRESULT WINAPI server_get_VMRCAuthenticators(IVsDiskVirtualServer *iface, IVMRCAuthenticatorCollection **outVMRCAuthenticators) { return outside_ptr(L"VMRCAuthenticators", (void **)outVMRCAuthenticators); }
HRESULT WINAPI server_put_VMRCIdleConnectionTimeoutEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL isEnabled) { return outside(L"VMRCIdleConnectionTimeoutEnabled"); }
HRESULT WINAPI server_get_VMRCIdleConnectionTimeoutEnabled(IVsDiskVirtualServer *iface, VARIANT_BOOL *outVMRCIdleConnectionTimeoutEnabled) { return outside_value(L"VMRCIdleConnectionTimeoutEnabled", outVMRCIdleConnectionTimeoutEnabled, sizeof(*outVMRCIdleConnectionTimeoutEnabled)); }
HRESULT WINAPI server_put_VMRCIdleConnectionTimeout(IVsDiskVirtualServer *iface, LONG idleTimeout) { return outside(L"VMRCIdleConnectionTimeout"); }
HRESULT WINAPI server_get_VMRCIdleConnectionTimeout(IVsDiskVirtualServer *iface, LONG *outVMRCIdleConnectionTimeout) { return outside_value(L"VMRCIdleConnectionTimeout", outVMRCIdleConnectionTimeout, sizeof(*outVMRCIdleConnectionTimeout)); }
HRESULT WINAPI server_get_VMRCEncryptionCertificate(IVsDiskVirtualServer *iface, BSTR *outVMRCEncryptionCertificate) { return outside_value(L"VMRCEncryptionCertificate", outVMRCEncryptionCertificate, sizeof(*outVMRCEncryptionCertificate)); }
HRESULT WINAPI server_put_VMRCEncryptionCertificate(IVsDiskVirtualServer *iface, BSTR certificate) { return outside(L"VMRCEncryptionCertificate"); }
HRESULT WINAPI server_get_VMRCEncryptionCertificateRequest(IVsDiskVirtualServer *iface, BSTR *outVMRCEncryptionCertificateRequest) { return outside_value(L"VMRCEncryptionCertificateRequest", outVMRCEncryptionCertificateRequest, sizeof(*outVMRCEncryptionCertificateRequest)); }
HRESULT WINAPI server_get_MinimumMemoryPerVM(IVsDiskVirtualServer *iface, LONG *minimumMemoryPerVM) { return outside_value(L"MinimumMemoryPerVM", minimumMemoryPerVM, sizeof(*minimumMemoryPerVM)); }
HRESULT WINAPI server_get_MaximumMemoryPerVM(IVsDiskVirtualServer *iface, LONG *maximumMemoryPerVM) { return outside_value(L"MaximumMemoryPerVM", maximumMemoryPerVM, sizeof(*maximumMemoryPerVM)); }
HRESULT WINAPI server_get_SuggestedMaximumMemoryPerVM(IVsDiskVirtualServer *iface, LONG *suggestedMaximumMemoryPerVM) { return outside_value(L"SuggestedMaximumMemoryPerVM", suggestedMaximumMemoryPerVM, sizeof(*suggestedMaximumMemoryPerVM)); }
HRESULT WINAPI server_get_MaximumFloppyDrivesPerVM(IVsDiskVirtualServer *iface, LONG *maximumFloppyDrivesPerVM) { return outside_value(L"MaximumFloppyDrivesPerVM", maximumFloppyDrivesPerVM, sizeof(*maximumFloppyDrivesPerVM)); }
HRESULT WINAPI server_get_MaximumSerialPortsPerVM(IVsDiskVirtualServer *iface, LONG *maximumSerialPortsPerVM) { return outside_value(L"MaximumSerialPortsPerVM", maximumSerialPortsPerVM, sizeof(*maximumSerialPortsPerVM)); }
HRESULT WINAPI server_get_MaximumParallelPortsPerVM(IVsDiskVirtualServer *iface, LONG *maximumParallelPortsPerVM) { return outside_value(L"MaximumParallelPortsPerVM", maximumParallelPortsPerVM, sizeof(*maximumParallelPortsPerVM)); }
HRESULT WINAPI server_get_MaximumNetworkAdaptersPerVM(IVsDiskVirtualServer *iface, LONG *maximumNetworkAdaptersPerVM) { return outside_value(L"MaximumNetworkAdaptersPerVM", maximumNetworkAdaptersPerVM, sizeof(*maximumNetworkAdaptersPerVM)); }
HRESULT WINAPI server_get_MaximumNumberOfIDEBuses(IVsDiskVirtualServer *iface, LONG *maximumNumberOfIDEBuses) { return outside_value(L"MaximumNumberOfIDEBuses", maximumNumberOfIDEBuses, sizeof(*maximumNumberOfIDEBuses)); }
HRESULT WINAPI server_get_MaximumNumberOfSCSIControllers(IVsDiskVirtualServer *iface, LONG *maximumNumberOfSCSIControllers) { return outside_value(L"MaximumNumberOfSCSIControllers", maximumNumberOfSCSIControllers, sizeof(*maximumNumberOfSCSIControllers)); }
HRESULT WINAPI server_get_DefaultVMConfigurationPath(IVsDiskVirtualServer *iface, BSTR *defaultVMConfigurationPath) { return outside_value(L"DefaultVMConfigurationPath", defaultVMConfigurationPath, sizeof(*defaultVMConfigurationPath)); }
HRESULT WINAPI server_put_DefaultVMConfigurationPath(IVsDiskVirtualServer *iface, BSTR configurationPath) { return outside(L"DefaultVMConfigurationPath"); }
HRESULT WINAPI server_get_DefaultVNConfigurationPath(IVsDiskVirtualServer *iface, BSTR *defaultVNConfigurationPath) { return outside_value(L"DefaultVNConfigurationPath", defaultVNConfigurationPath, sizeof(*defaultVNConfigurationPath)); }
HRESULT WINAPI server_GetVirtualMachineFiles(IVsDiskVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT_BOOL inExcludedRegisteredVMs, VARIANT *outVirtualMachineFileList) { return outside_variant(L"GetVirtualMachineFiles", outVirtualMachineFileList); }
HRESULT WINAPI server_GetVirtualNetworkFiles(IVsDiskVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT_BOOL inExcludedRegisteredVNs, VARIANT *outVirtualNetworkFileList) { return outside_variant(L"GetVirtualNetworkFiles", outVirtualNetworkFileList); }
HRESULT WINAPI server_GetDVDFiles(IVsDiskVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT *outDVDFileList) { return outside_variant(L"GetDVDFiles", outDVDFileList); }
HRESULT WINAPI server_get_ProductID(IVsDiskVirtualServer *iface, BSTR *productID) { return outside_value(L"ProductID", productID, sizeof(*productID)); }
HRESULT WINAPI server_get_AvailableSystemCapacity(IVsDiskVirtualServer *iface, VARIANT *availableSystemCapacity) { return outside_variant(L"AvailableSystemCapacity", availableSystemCapacity); }
HRESULT WINAPI server_get_Security(IVsDiskVirtualServer *iface, IVMSecurity **security) { return outside_ptr(L"Security", (void **)security); }
HRESULT WINAPI server_put_Security(IVsDiskVirtualServer *iface, IVMSecurity *Security) { return outside(L"Security"); }
