"""Configuration > Networking > a VMkernel port's Properties: the VMotion and Fault Tolerance
Logging boxes (FT needs the latter on each host), with the warning about logging traffic; the
change goes through the service (its event), and a host vCenter cannot reach refuses it."""

from django.urls import reverse

from inventory.models import VMkernelNic
from operations.models import Event


def dialog_url(lab, host):
    return reverse("action", args=[lab.pk, host.moid, "vmkernel-ports"])


def test_the_configuration_tab_opens_the_vmkernel_port_properties(owner_client, lab, esx01):
    page = owner_client.get(reverse("object-tab", args=[lab.pk, esx01.moid, "configuration"])).content.decode()
    assert dialog_url(lab, esx01) in page and "Properties..." in page
    dialog = owner_client.get(dialog_url(lab, esx01), HTTP_HX_REQUEST="true").content.decode()
    for nic in esx01.vmknics.all():  # each port with its IP settings and its two boxes
        assert nic.ip in dialog and f'name="{nic.device}-vmotion"' in dialog and f'name="{nic.device}-ft_logging"' in dialog
    assert "Fault Tolerance Logging" in dialog and "dedicated physical NIC" in dialog  # and the warning


def test_ticking_fault_tolerance_logging_saves_it_and_logs_the_change(owner_client, lab, esx01):
    nics = {n.device: n for n in esx01.vmknics.all()}
    data = {f"{d}-vmotion": "on" for d, n in nics.items() if n.vmotion}
    target = next(d for d, n in nics.items() if n.vmotion)
    data[f"{target}-ft_logging"] = "on"
    response = owner_client.post(dialog_url(lab, esx01), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].endswith(f"/{esx01.moid}/configuration/")  # back where it was opened
    nic = VMkernelNic.objects.get(host=esx01, device=target)
    assert nic.ft_logging and nic.vmotion
    assert Event.objects.filter(lab=lab, type="HostVnicUpdatedEvent").count() == 1  # only the port that changed
    page = owner_client.get(reverse("object-tab", args=[lab.pk, esx01.moid, "configuration"])).content.decode()
    assert "FT logging" in page


def test_a_host_vcenter_cannot_reach_refuses_with_the_reason(owner_client, lab, esx01):
    esx01.__class__.objects.filter(pk=esx01.pk).update(connection_state="notResponding")
    target = esx01.vmknics.filter(vmotion=True).first()
    response = owner_client.post(dialog_url(lab, esx01), {f"{target.device}-ft_logging": "on"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and esx01.name in response.content.decode()
    assert not VMkernelNic.objects.get(pk=target.pk).ft_logging


def test_the_dialog_refuses_with_the_apis_message_even_when_nothing_changed(owner_client, lab, esx01):
    """The reason is shown in the dialog, the same words as the API's; an OK that changes nothing
    on a host vCenter cannot manage is refused too (the API refuses the same no-op)."""
    from operations.services.connection import require_manageable

    esx01.__class__.objects.filter(pk=esx01.pk).update(connection_state="notResponding")
    try:
        require_manageable(esx01.__class__.objects.get(pk=esx01.pk))
    except Exception as fault:
        message = " ".join(fault.messages)
    unchanged = {f"{n.device}-vmotion": "on" for n in esx01.vmknics.all() if n.vmotion}
    unchanged |= {f"{n.device}-ft_logging": "on" for n in esx01.vmknics.all() if n.ft_logging}
    response = owner_client.post(dialog_url(lab, esx01), unchanged, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert message in response.content.decode().replace("&#x27;", "'")


def test_the_configuration_tab_lists_its_hardware_sections(owner_client, lab, esx01):
    page = owner_client.get(reverse("object-tab", args=[lab.pk, esx01.moid, "configuration"])).content.decode()
    for anchor, title in (("processors", "Processors"), ("memory", "Memory"), ("storage", "Storage"),
                          ("networking", "Networking"), ("network-adapters", "Network Adapters")):
        assert f'href="#{anchor}"' in page and f'id="{anchor}">{title}</h3>' in page
    assert esx01.cpu_model in page and f"<dd>{esx01.sockets * esx01.cores_per_socket}</dd>" in page
    for vmnic in {n for vs in esx01.vswitches.all() for n in vs.uplinks.split()}:
        assert f"<td>{vmnic}</td>" in page
