/* The members of IVMVirtualServer vsdisk does not implement (server_unimplemented.c), in
 * vtable order: those outside the virtual hard disk API, and CreateHostDriveVirtualHardDisk.
 * Each returns E_NOTIMPL with an IErrorInfo description naming the member. */
#ifndef VSDISK_SERVER_UNIMPLEMENTED_H
#define VSDISK_SERVER_UNIMPLEMENTED_H

#include <windows.h>
#include <ole2.h>

#include "vsdisk.h"
#include "floppy_image.h"       /* the floppy image members, implemented in floppy_image.c */

HRESULT WINAPI server_get_HostInfo(IVMVirtualServer *iface, IVMHostInfo **hostInfo);
HRESULT WINAPI server_QueryLocale(IVMVirtualServer *iface, BSTR inLanguage, ULONG *outLocale);
HRESULT WINAPI server_get_DefaultLocale(IVMVirtualServer *iface, ULONG *defaultLocale);
HRESULT WINAPI server_put_Locale(IVMVirtualServer *iface, ULONG locale);
HRESULT WINAPI server_FindVirtualMachine(IVMVirtualServer *iface, BSTR configurationName, IVMVirtualMachine **findVirtualMachine);
HRESULT WINAPI server_CreateVirtualMachine(IVMVirtualServer *iface, BSTR configurationName, BSTR configurationPath, IVMVirtualMachine **createVirtualMachine);
HRESULT WINAPI server_DeleteVirtualMachine(IVMVirtualServer *iface, IVMVirtualMachine *VirtualMachine);
HRESULT WINAPI server_RegisterVirtualMachine(IVMVirtualServer *iface, BSTR configurationName, BSTR configurationPath, IVMVirtualMachine **registerVirtualMachine);
HRESULT WINAPI server_UnregisterVirtualMachine(IVMVirtualServer *iface, IVMVirtualMachine *VirtualMachine);
HRESULT WINAPI server_get_VirtualMachines(IVMVirtualServer *iface, IVMVirtualMachineCollection **virtualMachines);
HRESULT WINAPI server_FindVirtualNetwork(IVMVirtualServer *iface, BSTR virtualNetworkName, IVMVirtualNetwork **findVirtualNetwork);
HRESULT WINAPI server_CreateVirtualNetwork(IVMVirtualServer *iface, BSTR virtualNetworkName, BSTR virtualNetworkPath, IVMVirtualNetwork **createVirtualNetwork);
HRESULT WINAPI server_DeleteVirtualNetwork(IVMVirtualServer *iface, IVMVirtualNetwork *virtualNetwork);
HRESULT WINAPI server_RegisterVirtualNetwork(IVMVirtualServer *iface, BSTR configurationName, BSTR configurationPath, IVMVirtualNetwork **registerVirtualNetwork);
HRESULT WINAPI server_UnregisterVirtualNetwork(IVMVirtualServer *iface, IVMVirtualNetwork *virtualNetwork);
HRESULT WINAPI server_get_VirtualNetworks(IVMVirtualServer *iface, IVMVirtualNetworkCollection **virtualNetworks);
HRESULT WINAPI server_get_UnconnectedNetworkAdapters(IVMVirtualServer *iface, IVMNetworkAdapterCollection **unconnectedNetworkAdapters);
HRESULT WINAPI server_get_SupportDrivers(IVMVirtualServer *iface, IVMSupportDriverCollection **supportDrivers);
HRESULT WINAPI server_CreateHostDriveVirtualHardDisk(IVMVirtualServer *iface, BSTR imagePath, BSTR HostDriveIdentifier, VARIANT_BOOL reserved, IVMTask **diskTask);
HRESULT WINAPI server_get_VSScriptsEnabled(IVMVirtualServer *iface, VARIANT_BOOL *outVSScriptsEnabled);
HRESULT WINAPI server_put_VSScriptsEnabled(IVMVirtualServer *iface, VARIANT_BOOL isEnabled);
HRESULT WINAPI server_get_VMScriptsEnabled(IVMVirtualServer *iface, VARIANT_BOOL *outVMScriptsEnabled);
HRESULT WINAPI server_put_VMScriptsEnabled(IVMVirtualServer *iface, VARIANT_BOOL isEnabled);
HRESULT WINAPI server_AttachScriptToEvent(IVMVirtualServer *iface, VMEventType inEventType, BSTR inCommandLine);
HRESULT WINAPI server_RemoveScriptFromEvent(IVMVirtualServer *iface, VMEventType inEventType);
HRESULT WINAPI server_FetchScriptByEvent(IVMVirtualServer *iface, VMEventType inEventType, BSTR *fetchScriptByEvent);
HRESULT WINAPI server_GetConfigurationValue(IVMVirtualServer *iface, BSTR preferenceKey, VARIANT *getConfigurationValue);
HRESULT WINAPI server_SetConfigurationValue(IVMVirtualServer *iface, BSTR preferenceKey, VARIANT preferenceValue);
HRESULT WINAPI server_RemoveConfigurationValue(IVMVirtualServer *iface, BSTR preferenceKey);
HRESULT WINAPI server_VMRCCreateEncryptionCertificateRequest(IVMVirtualServer *iface, BSTR distinguishedName, LONG keyLength, BSTR *outVMRCCreateEncryptionCertificateRequest);
HRESULT WINAPI server_get_VMRCEnabled(IVMVirtualServer *iface, VARIANT_BOOL *outVMRCEnabled);
HRESULT WINAPI server_put_VMRCEnabled(IVMVirtualServer *iface, VARIANT_BOOL isEnabled);
HRESULT WINAPI server_get_VMRCAdminAddress(IVMVirtualServer *iface, BSTR *outVMRCAdminAddress);
HRESULT WINAPI server_put_VMRCAdminAddress(IVMVirtualServer *iface, BSTR VMRCAdminAddress);
HRESULT WINAPI server_get_VMRCAdminPortNumber(IVMVirtualServer *iface, LONG *outVMRCAdminPortNumber);
HRESULT WINAPI server_put_VMRCAdminPortNumber(IVMVirtualServer *iface, LONG VMRCAdminPortNumber);
HRESULT WINAPI server_get_VMRCXResolution(IVMVirtualServer *iface, LONG *outVMRCXResolution);
HRESULT WINAPI server_put_VMRCXResolution(IVMVirtualServer *iface, LONG VMRCXResolution);
HRESULT WINAPI server_get_VMRCYResolution(IVMVirtualServer *iface, LONG *outVMRCYResolution);
HRESULT WINAPI server_put_VMRCYResolution(IVMVirtualServer *iface, LONG VMRCYResolution);
HRESULT WINAPI server_get_VMRCEncryptionEnabled(IVMVirtualServer *iface, VARIANT_BOOL *outVMRCEncryptionEnabled);
HRESULT WINAPI server_put_VMRCEncryptionEnabled(IVMVirtualServer *iface, VARIANT_BOOL isEnable);
HRESULT WINAPI server_get_VMRCAuthenticator(IVMVirtualServer *iface, IVMRCAuthenticator **outVMRCAuthenticator);
HRESULT WINAPI server_put_VMRCAuthenticator(IVMVirtualServer *iface, IVMRCAuthenticator *authenticator);
HRESULT WINAPI server_get_VMRCAuthenticators(IVMVirtualServer *iface, IVMRCAuthenticatorCollection **outVMRCAuthenticators);
HRESULT WINAPI server_put_VMRCIdleConnectionTimeoutEnabled(IVMVirtualServer *iface, VARIANT_BOOL isEnabled);
HRESULT WINAPI server_get_VMRCIdleConnectionTimeoutEnabled(IVMVirtualServer *iface, VARIANT_BOOL *outVMRCIdleConnectionTimeoutEnabled);
HRESULT WINAPI server_put_VMRCIdleConnectionTimeout(IVMVirtualServer *iface, LONG idleTimeout);
HRESULT WINAPI server_get_VMRCIdleConnectionTimeout(IVMVirtualServer *iface, LONG *outVMRCIdleConnectionTimeout);
HRESULT WINAPI server_get_VMRCEncryptionCertificate(IVMVirtualServer *iface, BSTR *outVMRCEncryptionCertificate);
HRESULT WINAPI server_put_VMRCEncryptionCertificate(IVMVirtualServer *iface, BSTR certificate);
HRESULT WINAPI server_get_VMRCEncryptionCertificateRequest(IVMVirtualServer *iface, BSTR *outVMRCEncryptionCertificateRequest);
HRESULT WINAPI server_get_MinimumMemoryPerVM(IVMVirtualServer *iface, LONG *minimumMemoryPerVM);
HRESULT WINAPI server_get_MaximumMemoryPerVM(IVMVirtualServer *iface, LONG *maximumMemoryPerVM);
HRESULT WINAPI server_get_SuggestedMaximumMemoryPerVM(IVMVirtualServer *iface, LONG *suggestedMaximumMemoryPerVM);
HRESULT WINAPI server_get_MaximumFloppyDrivesPerVM(IVMVirtualServer *iface, LONG *maximumFloppyDrivesPerVM);
HRESULT WINAPI server_get_MaximumSerialPortsPerVM(IVMVirtualServer *iface, LONG *maximumSerialPortsPerVM);
HRESULT WINAPI server_get_MaximumParallelPortsPerVM(IVMVirtualServer *iface, LONG *maximumParallelPortsPerVM);
HRESULT WINAPI server_get_MaximumNetworkAdaptersPerVM(IVMVirtualServer *iface, LONG *maximumNetworkAdaptersPerVM);
HRESULT WINAPI server_get_MaximumNumberOfIDEBuses(IVMVirtualServer *iface, LONG *maximumNumberOfIDEBuses);
HRESULT WINAPI server_get_MaximumNumberOfSCSIControllers(IVMVirtualServer *iface, LONG *maximumNumberOfSCSIControllers);
HRESULT WINAPI server_get_DefaultVMConfigurationPath(IVMVirtualServer *iface, BSTR *defaultVMConfigurationPath);
HRESULT WINAPI server_put_DefaultVMConfigurationPath(IVMVirtualServer *iface, BSTR configurationPath);
HRESULT WINAPI server_get_DefaultVNConfigurationPath(IVMVirtualServer *iface, BSTR *defaultVNConfigurationPath);
HRESULT WINAPI server_GetVirtualMachineFiles(IVMVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT_BOOL inExcludedRegisteredVMs, VARIANT *outVirtualMachineFileList);
HRESULT WINAPI server_GetVirtualNetworkFiles(IVMVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT_BOOL inExcludedRegisteredVNs, VARIANT *outVirtualNetworkFileList);
HRESULT WINAPI server_GetDVDFiles(IVMVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT *outDVDFileList);
HRESULT WINAPI server_get_ProductID(IVMVirtualServer *iface, BSTR *productID);
HRESULT WINAPI server_get_AvailableSystemCapacity(IVMVirtualServer *iface, VARIANT *availableSystemCapacity);
HRESULT WINAPI server_get_Security(IVMVirtualServer *iface, IVMSecurity **security);
HRESULT WINAPI server_put_Security(IVMVirtualServer *iface, IVMSecurity *Security);

#endif
